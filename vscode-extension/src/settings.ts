// What of the `dockls` settings section the server gets. The section also holds the extension's own
// keys (path, interpreter, args, trace), which the server does not know and would warn about, and
// unset values are null in VS Code, which the server refuses: only set server keys are passed on.

/** The keys of the `dockls` section that the server reads (see docs/configuration.md). */
export const SERVER_KEYS = [
  'rules',
  'select',
  'ignore',
  'extendSelect',
  'perFileIgnores',
  'context',
  'hadolintConfig',
  'configurationPreference',
  'maxContextSize',
] as const;

/** The keys whose change needs a new server process rather than a configuration update. */
export const RESTART_KEYS = ['dockls.path', 'dockls.interpreter', 'dockls.args'] as const;

export type ServerSettings = { [key in (typeof SERVER_KEYS)[number]]?: unknown };

/** The server's part of the section, read through `get` (e.g. a WorkspaceConfiguration's). */
export function serverSettings(get: (key: string) => unknown): ServerSettings {
  const settings: ServerSettings = {};
  for (const key of SERVER_KEYS) {
    const value = get(key);
    if (value !== undefined && value !== null && value !== '') {
      // WorkspaceConfiguration values can be proxies: send plain JSON.
      settings[key] = JSON.parse(JSON.stringify(value));
    }
  }
  return settings;
}
