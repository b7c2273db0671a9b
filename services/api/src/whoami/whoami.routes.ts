import Router from '@koa/router';
import type { Caller } from '@runq/auth';
import { callerOf } from '../http/authenticate.js';

/** The API's representation of the authenticated caller (`Whoami` in the served description). */
function toWhoamiBody(caller: Caller) {
  return {
    kind: caller.kind,
    name: caller.name,
    projects: [...caller.projectIds],
    ...(caller.keyPrefix === undefined ? {} : { key_prefix: caller.keyPrefix }),
  };
}

/**
 * `GET /whoami`: who the credentials stand for and the projects they reach, so that a client
 * holding a key of one project can fill in `owner` without being told the project id.
 */
export function whoamiRouter(): Router {
  const router = new Router();
  router.get('/whoami', (ctx) => {
    ctx.body = toWhoamiBody(callerOf(ctx));
  });
  return router;
}
