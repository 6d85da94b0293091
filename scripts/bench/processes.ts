import { fork, type ChildProcess } from 'node:child_process';

/** What a child of the bench is: the app, one of the bare servers it is measured against, or the origin behind the app in origin mode. */
export type Role = 'app' | 'bare-node' | 'bare-express' | 'bare-express-born' | 'static-origin';

export interface Served {
  readonly child: ChildProcess;
  readonly base: string;
}

/**
 * Forks the bench's own entry as `role` and waits for the port it listens on. Every server
 * has its own process, so the load generator never shares its event loop.
 */
export async function startChild(entry: string, role: Role, options: { env: NodeJS.ProcessEnv; execArgv?: string[]; greeting?: unknown }): Promise<Served> {
  const child = fork(entry, [`--serve=${role}`], { env: options.env, execArgv: options.execArgv ?? [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} server exited (${code}) before listening`)));
    child.on('message', function listening(message) {
      // A child that needs something first (the bare servers: the page) says it is ready.
      if ((message as { ready?: boolean }).ready) return void child.send(options.greeting as object);
      const port = (message as { port?: number }).port;
      if (port === undefined) return;
      child.off('message', listening);
      resolve(port);
    });
  });
  child.removeAllListeners('exit');
  return { child, base: `http://127.0.0.1:${port}` };
}

export async function stopChild(served: Served | undefined): Promise<void> {
  if (served === undefined || served.child.exitCode !== null) return;
  const exited = new Promise((resolve) => served.child.once('exit', resolve));
  served.child.send('stop');
  await exited;
}

/** The role this process was forked as, if it is a child. */
export function roleOf(argv: readonly string[]): Role | undefined {
  const flag = argv.find((a) => a.startsWith('--serve='));
  return flag?.slice('--serve='.length) as Role | undefined;
}
