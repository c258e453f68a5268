/**
 * SSF §8.1 stream management over HTTP: the configuration endpoint (POST create, GET read,
 * PATCH update, PUT replace, DELETE), the status endpoint (GET, POST), adding and removing
 * subjects, and the verification endpoint. The receiver is the agent whose token authorised
 * the call (see index.ts); replies are never cached.
 */
import type { FastifyRequest } from 'fastify';
import type { TypeBoxApp } from '../../http/index.js';
import type { StreamManagement } from '../../ssf/index.js';
import { StatusBody, StreamConfigBody, StreamIdQuery, SubjectBody, VerifyBody } from './schemas.js';

const receiverOf = (request: FastifyRequest): string => request.ssfReceiver as string;

export function registerStreamRoutes(app: TypeBoxApp, management: StreamManagement): void {
  app.post('/ssf/stream', { schema: { body: StreamConfigBody } }, async (request, reply) =>
    reply.code(201).send(await management.create(receiverOf(request), request.body)));

  app.get('/ssf/stream', { schema: { querystring: StreamIdQuery } }, async (request) =>
    management.read(receiverOf(request), request.query.stream_id));

  app.patch('/ssf/stream', { schema: { body: StreamConfigBody } }, async (request) =>
    management.update(receiverOf(request), request.body, 'update'));

  app.put('/ssf/stream', { schema: { body: StreamConfigBody } }, async (request) =>
    management.update(receiverOf(request), request.body, 'replace'));

  app.delete('/ssf/stream', { schema: { querystring: StreamIdQuery } }, async (request, reply) => {
    await management.remove(receiverOf(request), request.query.stream_id);
    return reply.code(204).send();
  });

  app.get('/ssf/status', { schema: { querystring: StreamIdQuery } }, async (request) =>
    management.status(receiverOf(request), request.query.stream_id));

  app.post('/ssf/status', { schema: { body: StatusBody } }, async (request) =>
    management.setStatus(receiverOf(request), request.body));

  // The colons are literal (SSF's own path names); fastify reads `::` as one.
  app.post('/ssf/subjects::add', { schema: { body: SubjectBody } }, async (request, reply) => {
    await management.changeSubject(receiverOf(request), request.body, 'add');
    return reply.code(200).send();
  });

  app.post('/ssf/subjects::remove', { schema: { body: SubjectBody } }, async (request, reply) => {
    await management.changeSubject(receiverOf(request), request.body, 'remove');
    return reply.code(204).send();
  });

  app.post('/ssf/verify', { schema: { body: VerifyBody } }, async (request, reply) => {
    await management.verify(receiverOf(request), request.body);
    return reply.code(204).send();
  });
}
