/** Fields of a console form: one string each; a repeated or missing field is undefined (refused by the caller). */
export function formField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}
