/** The web console's core: escaped HTML pages, sealed sessions, CSRF checks, the live chart and the static assets. */
export { html, Html } from './html.js';
export { createSessionSealer, newSession, sessionKey, SESSION_IDLE_MS, type Session, type SessionSealer, type ConsoleOperator } from './session.js';
export { keyProof, signOnProof, roleUnderPolicy, type SignInProof } from './sign-in-proof.js';
export { tokensMatch, sameOrigin } from './csrf.js';
export { cookieJar, setCookie, clearCookie, readCookie, isLoopbackAddress, type CookieJar } from './cookies.js';
export { loadConsoleAssets, type ConsoleAssets, type Asset } from './assets.js';
export { bucketActivity, activityChart, CHART_WINDOW_MS, type ActivityWindow } from './chart.js';
export { layout, errorPage, type Section } from './pages/layout.js';
export { signInPage } from './pages/sign-in.js';
export { inventoryBody, consoleFilter, filterQuery } from './pages/inventory.js';
export { agentBody, type AgentSection, type AgentPageData } from './pages/agent.js';
export { confirmBody, isConsoleAction, reasonRequired, type ConsoleAction } from './pages/confirm.js';
export { shadowsBody, auditBody, keysBody, credentialsBody, type KeyFacts } from './pages/lists.js';
