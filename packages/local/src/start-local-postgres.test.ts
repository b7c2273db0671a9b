import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';

import { InvalidDatabaseNameError, TemplateInUseError } from './errors.js';
import { startLocalPostgres, type LocalPostgres } from './start-local-postgres.js';
import { isPortOpen, queryRows } from './testing.js';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('startLocalPostgres (ephemeral)', () => {
  let workDir: string;
  let dataDir: string;
  let server: LocalPostgres;

  beforeAll(async () => {
    // mkdtemp makes a 0700 directory: as root this also exercises granting the postgres
    // account traverse access to the data directory's parent.
    workDir = await mkdtemp(join(tmpdir(), 'runq-local-pg-'));
    dataDir = join(workDir, 'cluster');
    server = await startLocalPostgres({ dataDir, persistent: false });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('when an ephemeral server starts, then it listens on a free loopback port and answers select 1', async () => {
    expect(server.url).toMatch(/^postgres:\/\/postgres:[A-Za-z0-9_-]{24}@127\.0\.0\.1:\d+\/postgres$/);
    expect(new URL(server.url).port).toBe(String(server.port));
    const [row] = await queryRows<{ one: number; address: string; fsync: string; connections: string; encoding: string }>(
      server.url,
      `select 1 as one, host(inet_server_addr()) as address, current_setting('fsync') as fsync,
              current_setting('max_connections') as connections, current_setting('server_encoding') as encoding`,
    );
    expect(row).toEqual({ one: 1, address: '127.0.0.1', fsync: 'off', connections: '300', encoding: 'UTF8' });
  });

  it('when a database is created from a template, then it holds a copy of the template table and rows', async () => {
    const templateUrl = await server.createDatabase('template_copy_src');
    await queryRows(templateUrl, 'create table widget (id int primary key, name text); insert into widget values (1, $$gear$$)');

    const cloneUrl = await server.createDatabase('template_copy_dst', { template: 'template_copy_src' });

    expect(cloneUrl).toBe(server.databaseUrl('template_copy_dst'));
    expect(await queryRows(cloneUrl, 'select id, name from widget')).toEqual([{ id: 1, name: 'gear' }]);
  });

  it('when the template has an open session, then cloning fails with TemplateInUseError', async () => {
    const templateUrl = await server.createDatabase('busy_template');
    const holder = new pg.Client({ connectionString: templateUrl });
    await holder.connect();
    try {
      await expect(server.createDatabase('busy_clone', { template: 'busy_template' })).rejects.toThrow(TemplateInUseError);
    } finally {
      await holder.end();
    }
  });

  it('when a database name needs quoting, then it is created and reachable under exactly that name', async () => {
    const name = 'odd "name"; drop database postgres; --';
    const url = await server.createDatabase(name);
    expect(await queryRows(url, 'select current_database() as name')).toEqual([{ name }]);
    await server.dropDatabase(name);
  });

  it('when a database name cannot be carried by a URL, then createDatabase refuses it before creating anything', async () => {
    await expect(server.createDatabase('a/b')).rejects.toThrow(InvalidDatabaseNameError);
    expect(await queryRows(server.url, `select count(*)::int as n from pg_database where datname = 'a/b'`)).toEqual([{ n: 0 }]);
  });

  it('when a database is dropped while a client is connected, then the drop succeeds and the client is cut off', async () => {
    const url = await server.createDatabase('drop_me');
    const client = new pg.Client({ connectionString: url });
    const clientError = new Promise<Error>((resolve) => client.on('error', resolve));
    await client.connect();
    await client.query('select 1');

    await server.dropDatabase('drop_me');

    expect(await clientError).toBeInstanceOf(Error);
    expect(await queryRows(server.url, `select count(*)::int as n from pg_database where datname = 'drop_me'`)).toEqual([{ n: 0 }]);
    await client.end().catch(() => undefined);
  });

  it('when the server is stopped, then its data directory is removed and its port is closed', async () => {
    expect(await exists(join(dataDir, 'PG_VERSION'))).toBe(true);

    await server.stop();
    await server.stop(); // idempotent

    expect(await exists(dataDir)).toBe(false);
    expect(await isPortOpen(server.port)).toBe(false);
  });
});
