export * from './config.js';
export * from './app.js';
export * from './server.js';
export { HttpProblem, PROBLEM_TYPES, problemTypeUri, type ProblemCode, type ProblemDocument } from './http/problem.js';
export { clientResolver, parseTrustProxy, type AddressRange, type Client, type ForwardingFacts, type TrustProxy } from './http/client-address.js';
