// The dockls extension: finds and starts the dockls language server over stdio, passes the `dockls`
// settings to it (pulled with workspace/configuration), shows its state in the status bar, and
// offers commands over the server's code actions and commands.
import * as vscode from 'vscode';
import {
  CodeActionRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { describe, discover, Discovery, spawnProbe } from './discovery';
import { RESTART_KEYS, serverSettings, ServerSettings } from './settings';

// The client id is also the settings prefix vscode-languageclient reads `<id>.trace.server` from.
const CLIENT_ID = 'dockls';
const FIX_ALL_KIND = 'source.fixAll.dockls';
const NEW_DOCKERFILE = 'dockls.newDockerfile';
const CREATE_DOCKERIGNORE = 'dockls.createDockerignore';
const RUNNING_CONTEXT = 'dockls.serverRunning';
const PYTHON_EXTENSION = 'ms-python.python';
const PYTHON_ACTIVATION_TIMEOUT_MS = 15_000;

const DOCUMENT_SELECTOR = [
  { language: 'dockerfile' },
  { language: 'dockerignore' },
  {
    scheme: 'file',
    pattern: '**/{Dockerfile,Containerfile,*.Dockerfile,*.dockerfile,*.containerfile,Dockerfile.*,Containerfile.*}',
  },
];

// The server's multi-stage templates (dockls.newDockerfile), in its order.
const TEMPLATES: readonly vscode.QuickPickItem[] = [
  { label: 'go', description: 'Go: static binary on distroless' },
  { label: 'rust', description: 'Rust: release binary on distroless cc' },
  { label: 'node', description: 'Node.js: production dependencies on slim' },
  { label: 'python', description: 'Python: virtualenv built apart, slim runtime' },
  { label: 'java', description: 'Java: JDK build, JRE runtime' },
  { label: 'static-site', description: 'Static site: nginx alpine-slim' },
];

type ServerState = 'starting' | 'running' | 'stopped' | 'not found';

const STATUS: Record<ServerState, { text: string; tooltip: string }> = {
  starting: { text: '$(sync~spin) dockls', tooltip: 'dockls: starting the server' },
  running: { text: '$(check) dockls', tooltip: 'dockls: the server is running' },
  stopped: { text: '$(circle-slash) dockls', tooltip: 'dockls: the server is stopped' },
  'not found': { text: '$(warning) dockls', tooltip: 'dockls: no working dockls server was found' },
};

/** The subset of the Python extension's API used here (its environments API, and the older settings one). */
interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string } | undefined;
    resolveEnvironment(environment: { id: string; path: string }):
      Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] } | undefined;
  };
}

class Server {
  private client: LanguageClient | undefined;
  private readonly statusItem: vscode.StatusBarItem;
  private sentSettings = '';
  private starting: Promise<void> | undefined;

  constructor(private readonly context: vscode.ExtensionContext, readonly output: vscode.OutputChannel) {
    this.statusItem = vscode.window.createStatusBarItem('dockls.status', vscode.StatusBarAlignment.Right, 100);
    this.statusItem.name = 'dockls';
    this.statusItem.command = 'dockls.showOutput';
    context.subscriptions.push(this.statusItem);
    this.show('stopped');
  }

  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** Start (once at a time); a missing server is reported with one notification. */
  start(): Promise<void> {
    this.starting ??= this.startOnce().finally(() => (this.starting = undefined));
    return this.starting;
  }

  async restart(): Promise<void> {
    await this.starting;
    await this.stop();
    await this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.output.appendLine(`stopping the server failed: ${error}`);
      }
      client.dispose();
    }
    this.show('stopped');
  }

  /** After a change of the `dockls` section: the server asks for it again (when it changed for it). */
  settingsChanged(): void {
    const client = this.running;
    const settings = JSON.stringify(currentSettings());
    if (client && settings !== this.sentSettings) {
      this.sentSettings = settings;
      // No settings in the notification: the server pulls the section with workspace/configuration.
      void client.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
    }
  }

  private async startOnce(): Promise<void> {
    this.show('starting');
    const config = vscode.workspace.getConfiguration('dockls');
    const discovery = await discover(
      { path: config.get<string>('path', ''), interpreter: config.get<string>('interpreter', '') },
      () => pythonExtensionInterpreter(this.output),
      spawnProbe,
    );
    for (const attempt of discovery.attempts) {
      this.output.appendLine(describe(attempt));
    }
    if (!discovery.found) {
      this.show('not found');
      void notifyNotFound(this.context, this.output, discovery);
      return;
    }
    const { candidate } = discovery.found;
    const serverOptions: ServerOptions = {
      command: candidate.command,
      args: [...candidate.args, ...config.get<string[]>('args', [])],
      transport: TransportKind.stdio, // the client appends --stdio, which the server accepts
    };
    const settings = currentSettings();
    this.sentSettings = JSON.stringify(settings);
    const clientOptions: LanguageClientOptions = {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      traceOutputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      diagnosticCollectionName: 'dockls',
      initializationOptions: { dockls: settings },
      middleware: {
        workspace: {
          // Only the server's keys of the section, without unset (null) values; see settings.ts.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            return Array.isArray(result)
              ? result.map((value, index) => {
                const item = params.items[index];
                return item?.section === 'dockls'
                  ? currentSettings(item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined) : value;
              })
              : result;
          },
        },
        // The server's command is registered by the client under its own name; from the command
        // palette it comes without arguments, so the active Dockerfile is the one meant.
        executeCommand: async (command, args, next) =>
          command === CREATE_DOCKERIGNORE ? createDockerignore(args, next) : next(command, args),
      },
    };
    const client = new LanguageClient(CLIENT_ID, 'dockls', serverOptions, clientOptions);
    client.onDidChangeState(({ newState }) => {
      if (this.client === client) {
        this.show(newState === State.Running ? 'running' : newState === State.Starting ? 'starting' : 'stopped');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.output.appendLine(`started ${[serverOptions.command, ...(serverOptions.args ?? [])].join(' ')}`);
    } catch (error) {
      this.output.appendLine(`starting the server failed: ${error}`);
      this.show('stopped');
      void vscode.window.showErrorMessage(`dockls: the server did not start: ${error}`, 'Show Output')
        .then((choice) => choice && this.output.show());
    }
  }

  private show(state: ServerState): void {
    this.statusItem.text = STATUS[state].text;
    this.statusItem.tooltip = `${STATUS[state].tooltip} (click for the output)`;
    this.statusItem.backgroundColor = state === 'not found'
      ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.statusItem.show();
    void vscode.commands.executeCommand('setContext', RUNNING_CONTEXT, state === 'running');
  }
}

function currentSettings(scope?: vscode.Uri): ServerSettings {
  const config = vscode.workspace.getConfiguration('dockls', scope);
  return serverSettings((key) => config.get(key));
}

/** The Python extension's interpreter for the workspace, when that extension is installed. */
async function pythonExtensionInterpreter(output: vscode.OutputChannel): Promise<string | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  let api: PythonExtensionApi | undefined;
  try {
    api = extension.isActive ? extension.exports : await Promise.race([
      extension.activate(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), PYTHON_ACTIVATION_TIMEOUT_MS)),
    ]);
  } catch (error) {
    output.appendLine(`the Python extension did not activate: ${error}`);
    return undefined;
  }
  const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
  const environments = api?.environments;
  if (environments) {
    const active = environments.getActiveEnvironmentPath(resource);
    if (active) {
      const resolved = await environments.resolveEnvironment(active);
      return resolved?.executable?.uri?.fsPath ?? active.path;
    }
  }
  return api?.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
}

async function notifyNotFound(context: vscode.ExtensionContext, output: vscode.OutputChannel,
  discovery: Discovery): Promise<void> {
  const tried = discovery.attempts.map((a) => `${[a.candidate.command, ...a.candidate.args].join(' ')}`).join(', ');
  const choice = await vscode.window.showErrorMessage(
    `dockls: no working dockls language server was found (tried ${tried}). Install it with ` +
    '"pip install dockls" in a Python ≥ 3.10, or set dockls.path or dockls.interpreter.',
    'How to Install', 'Open Settings', 'Show Output');
  if (choice === 'How to Install') {
    // The bundled README (works offline), opened at its requirements.
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.joinPath(context.extensionUri, 'README.md'));
  } else if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:dockls.dockls');
  } else if (choice === 'Show Output') {
    output.show();
  }
}

async function createDockerignore(args: unknown[], next: (command: string, args: unknown[]) => unknown): Promise<unknown> {
  const document = vscode.window.activeTextEditor?.document;
  const uri = typeof args[0] === 'string' ? args[0] : document?.uri.toString();
  if (!uri || (args.length === 0 && document?.languageId !== 'dockerfile')) {
    void vscode.window.showWarningMessage('dockls: open a Dockerfile to create its .dockerignore.');
    return undefined;
  }
  const result = await next(CREATE_DOCKERIGNORE, [uri]) as { created?: string | null; reason?: string } | undefined;
  if (result?.created) {
    const created = vscode.Uri.parse(result.created);
    await vscode.window.showTextDocument(created);
    void vscode.window.showInformationMessage(`dockls: created ${vscode.workspace.asRelativePath(created)}.`);
  } else {
    void vscode.window.showInformationMessage(`dockls: no .dockerignore created: ${result?.reason ?? 'no answer'}.`);
  }
  return result;
}

/** Apply the server's `source.fixAll.dockls` action to the active document. */
async function fixAll(server: Server): Promise<void> {
  const client = server.running;
  const editor = vscode.window.activeTextEditor;
  if (!client || !editor) {
    void vscode.window.showWarningMessage(client ? 'dockls: no active editor.' : 'dockls: the server is not running.');
    return;
  }
  const document = editor.document;
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  const actions = await client.sendRequest(CodeActionRequest.type, {
    textDocument: client.code2ProtocolConverter.asTextDocumentIdentifier(document),
    range: client.code2ProtocolConverter.asRange(whole),
    context: { diagnostics: [], only: [FIX_ALL_KIND], triggerKind: 1 /* Invoked */ },
  });
  const fix = (actions ?? []).find((action) => 'kind' in action && action.kind === FIX_ALL_KIND);
  if (!fix || !('edit' in fix) || !fix.edit) {
    void vscode.window.showInformationMessage('dockls: no safe fixes to apply in this file.');
    return;
  }
  const edit = await client.protocol2CodeConverter.asWorkspaceEdit(fix.edit);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showWarningMessage('dockls: the fixes were not applied (the file changed meanwhile?). Try again.');
  }
}

/** Pick a template; insert it at the cursor of the active Dockerfile, or into a new untitled one. */
async function insertTemplate(server: Server): Promise<void> {
  const client = server.running;
  if (!client) {
    void vscode.window.showWarningMessage('dockls: the server is not running.');
    return;
  }
  const picked = await vscode.window.showQuickPick(TEMPLATES, { placeHolder: 'Multi-stage Dockerfile template' });
  if (!picked) {
    return;
  }
  const text = await client.sendRequest(ExecuteCommandRequest.type, { command: NEW_DOCKERFILE, arguments: [picked.label] });
  if (typeof text !== 'string') {
    void vscode.window.showErrorMessage(`dockls: the server sent no template for ${picked.label}.`);
    return;
  }
  const active = vscode.window.activeTextEditor;
  if (active && active.document.languageId === 'dockerfile') {
    await active.edit((builder) => builder.replace(active.selection, text));
    return;
  }
  const document = await vscode.workspace.openTextDocument({ language: 'dockerfile', content: text });
  await vscode.window.showTextDocument(document);
}

let server: Server | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('dockls');
  context.subscriptions.push(output);
  const current = new Server(context, output);
  server = current;
  context.subscriptions.push(
    vscode.commands.registerCommand('dockls.restartServer', () => current.restart()),
    vscode.commands.registerCommand('dockls.showOutput', () => output.show()),
    vscode.commands.registerCommand('dockls.fixAll', () => fixAll(current)),
    vscode.commands.registerCommand('dockls.insertTemplate', () => insertTemplate(current)),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(key))) {
        void current.restart();
      } else if (event.affectsConfiguration('dockls')) {
        current.settingsChanged();
      }
    }),
  );
  // dockls.createDockerignore is the server's command, registered by the client once it runs.
  await current.start();
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}
