import { createServer } from 'node:http';

/*
 * The machine calibration's server (see scenarios/calibration.ts): Node's own HTTP server with
 * no framework, answering every request with a small JSON body. Started by the bench as a
 * child process on `PORT` at 127.0.0.1; SIGTERM ends it.
 */

const BODY = JSON.stringify({ ok: true });

const server = createServer({ keepAliveTimeout: 5_000 }, (request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) });
    response.end(BODY);
  });
});

server.listen(Number(process.env['PORT']), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
// An interrupted bench may not get to stop it: once the bench is gone (the server has been
// handed to another parent), the server goes too.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1_000).unref();
