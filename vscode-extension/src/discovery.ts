// Finding the dockls server. Kept free of the `vscode` module so that it can be unit-tested with
// plain Node: the caller passes the settings, the Python extension's interpreter and the probe.
import { execFile } from 'child_process';

/** A way to start the server: `command ...args` (the client appends `--stdio`). */
export interface Candidate {
  command: string;
  args: string[];
  /** Where it came from, for the output channel and the "not found" message. */
  origin: string;
}

export interface Attempt {
  candidate: Candidate;
  /** The `--version` answer when it works, else why it does not. */
  outcome: { works: true; version: string } | { works: false; reason: string };
}

export interface Discovery {
  found?: { candidate: Candidate; version: string };
  attempts: Attempt[];
}

export interface DiscoverySettings {
  /** `dockls.path`: an executable; when set, the only candidate. */
  path: string;
  /** `dockls.interpreter`: a Python that runs `-m dockls`; when set (and path is not), the only candidate. */
  interpreter: string;
}

/** Runs `command ...args --version`; resolves with the version or rejects with the reason. */
export type Probe = (command: string, args: string[]) => Promise<string>;

export const PROBE_TIMEOUT_MS = 10_000;

/**
 * The server to start, in the documented order: `dockls.path`, else `dockls.interpreter -m dockls`,
 * else the Python extension's interpreter (asked only when needed), else `dockls` on PATH.
 * A setting the user made is authoritative: when it does not work, nothing else is tried, so that a
 * typo does not silently start some other dockls. The automatic candidates fall through.
 */
export async function discover(
  settings: DiscoverySettings,
  pythonExtensionInterpreter: () => Promise<string | undefined>,
  probe: Probe,
): Promise<Discovery> {
  const attempts: Attempt[] = [];
  const attempt = async (candidate: Candidate): Promise<Discovery | undefined> => {
    try {
      const version = await probe(candidate.command, candidate.args);
      attempts.push({ candidate, outcome: { works: true, version } });
      return { found: { candidate, version }, attempts };
    } catch (error) {
      attempts.push({ candidate, outcome: { works: false, reason: reasonOf(error) } });
      return undefined;
    }
  };

  const path = settings.path.trim();
  if (path) {
    return (await attempt({ command: path, args: [], origin: 'the setting dockls.path' })) ?? { attempts };
  }
  const interpreter = settings.interpreter.trim();
  if (interpreter) {
    const candidate = { command: interpreter, args: ['-m', 'dockls'], origin: 'the setting dockls.interpreter' };
    return (await attempt(candidate)) ?? { attempts };
  }
  let python: string | undefined;
  try {
    python = await pythonExtensionInterpreter();
  } catch {
    python = undefined; // the Python extension is optional: any failure there only skips it
  }
  if (python) {
    const candidate = { command: python, args: ['-m', 'dockls'], origin: "the Python extension's interpreter" };
    const found = await attempt(candidate);
    if (found) {
      return found;
    }
  }
  return (await attempt({ command: 'dockls', args: [], origin: 'PATH' })) ?? { attempts };
}

/** The real probe: spawn without a shell, with a timeout, and accept only a `dockls <version>` answer. */
export const spawnProbe: Probe = (command, args) =>
  new Promise((resolve, reject) => {
    execFile(command, [...args, '--version'], { timeout: PROBE_TIMEOUT_MS, windowsHide: true },
      (error, stdout, stderr) => {
        const answer = `${stdout}`.trim();
        if (error && typeof error.code === 'string') {
          reject(error); // not spawned at all (ENOENT, EACCES, ...)
        } else if (error) {
          const detail = `${stderr}`.trim().split('\n').slice(-1)[0];
          reject(new Error(error.killed ? `no answer within ${PROBE_TIMEOUT_MS / 1000} s`
            : `exit status ${error.code ?? error.signal}${detail ? `: ${detail}` : ''}`));
        } else if (!/^dockls\s+\S+/.test(answer)) {
          reject(new Error(`"${command} ${[...args, '--version'].join(' ')}" answered ${JSON.stringify(answer)}, not a dockls version`));
        } else {
          resolve(answer);
        }
      });
  });

export function describe(attempt: Attempt): string {
  const { candidate, outcome } = attempt;
  const line = [candidate.command, ...candidate.args].join(' ');
  return outcome.works
    ? `${line} (${candidate.origin}): ${outcome.version}`
    : `${line} (${candidate.origin}): does not work: ${outcome.reason}`;
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'not found' : code === 'EACCES' ? 'not executable' : error.message;
  }
  return String(error);
}
