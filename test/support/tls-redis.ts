import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, portOpen } from './redis-server';
import { waitFor } from './wait';

/** PEM files made by {@link makeTestCa}: a CA, a server certificate for 127.0.0.1/localhost, a client certificate. */
export interface TestCertificates {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Makes a throwaway CA and certificates with `openssl` in a new temporary directory. */
export function makeTestCa(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'nrs-tls-'));
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=nrs test CA'].concat([
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
    ]),
  );
  const sign = (name: string, extensions: string): void => {
    openssl(
      dir,
      ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`].concat([
        '-out',
        `${name}.csr`,
      ]),
    );
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(
      dir,
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-days',
        '2',
        '-out',
        `${name}.pem`,
        '-extfile',
        `${name}.ext`,
      ]),
    );
  };
  sign('server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  };
}

/**
 * A redis-server of the test's own that speaks TLS only (`--port 0`), on a free loopback port, with a CA made by
 * {@link makeTestCa}; client certificates are optional (`--tls-auth-clients optional`) unless `args` say
 * `--tls-auth-clients yes`. Its own connections (readiness, {@link connection}) present the client certificate, so
 * they work either way.
 */
export class TlsRedis {
  private constructor(
    readonly port: number,
    readonly certs: TestCertificates,
    private readonly child: ChildProcess,
  ) {}

  /** Starts the server and waits until it answers PING over TLS. `args`: extra `--name value` arguments. */
  static async start(args: string[] = []): Promise<TlsRedis> {
    const certs = makeTestCa();
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--dir', certs.dir]
        .concat(['--tls-cert-file', certs.serverCertFile, '--tls-key-file', certs.serverKeyFile])
        .concat(['--tls-ca-cert-file', certs.caFile, '--tls-auth-clients', 'optional'])
        .concat(['--save', '', '--appendonly', 'no', ...args]),
      { stdio: 'ignore' },
    );
    const server = new TlsRedis(port, certs, child);
    try {
      await waitFor(() => portOpen(port), `TLS redis-server on port ${port}`, 10_000, 20);
      await waitFor(() => server.answers(), `TLS redis-server on port ${port} to answer`, 10_000, 50);
    } catch (error) {
      await server.destroy(); // a server that never answered must not outlive the test
      throw error;
    }
    return server;
  }

  /** `rediss://127.0.0.1:<port>`, with `user:password@` when given. */
  url(user?: string, password?: string): string {
    const auth = user ? `${encodeURIComponent(user)}:${encodeURIComponent(password ?? '')}@` : '';
    return `rediss://${auth}127.0.0.1:${this.port}`;
  }

  /** The library's `tls` option for this server (CA only, or with the client certificate). */
  tlsOptions(clientCert = false): { caFile: string; certFile?: string; keyFile?: string } {
    return clientCert
      ? { caFile: this.certs.caFile, certFile: this.certs.clientCertFile, keyFile: this.certs.clientKeyFile }
      : { caFile: this.certs.caFile };
  }

  /** A plain ioredis connection (default user, client certificate presented) for checks and admin commands. */
  connection(): Redis {
    return new Redis(this.url(), { tls: this.clientTls(), maxRetriesPerRequest: 2 });
  }

  /** Stops the server and removes its directory (certificates included). */
  async destroy(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGKILL');
      await exited;
    }
    rmSync(this.certs.dir, { recursive: true, force: true });
  }

  /** ioredis' `tls` of the test's own connections: the CA and the client certificate. */
  private clientTls(): { ca: Buffer; cert: Buffer; key: Buffer } {
    return {
      ca: readFileSync(this.certs.caFile),
      cert: readFileSync(this.certs.clientCertFile),
      key: readFileSync(this.certs.clientKeyFile),
    };
  }

  private async answers(): Promise<boolean> {
    const redis = new Redis(this.url(), {
      tls: this.clientTls(),
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 1000,
    });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return (await redis.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      redis.disconnect();
    }
  }
}
