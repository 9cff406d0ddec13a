import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type MenuItemConstructorOptions, type WebContents } from 'electron';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CSP } from './api/csp';
import { envelope } from './api/envelope';
import { writeExportFile } from './exports';
import { Lab } from './lab';
import { trackingServer } from './server/tracking';
import { chooseDatabase, dataDir, defaultDbPath } from './store/location';

/** The Electron door. Only this file and preload.ts import 'electron' (one core, several doors). */

const rendererUrl = process.env.ELECTRON_RENDERER_URL; // set by `electron-vite dev`
const rendererFile = pathToFileURL(join(__dirname, '../renderer/index.html')).href;
let lab: Lab | null = null;
let tracking: ReturnType<typeof trackingServer> | undefined;
let window: BrowserWindow | null = null;

/** Our renderer, exactly: the built index.html's file URL, or in dev the dev server's origin. */
function isOurs(url: string): boolean {
  let u: URL;
  try { u = new URL(url); } catch { return false; }
  if (rendererUrl) return u.origin === new URL(rendererUrl).origin;
  u.hash = '';
  return u.href === rendererFile;
}

/** `--db PATH` or `--db=PATH` among the app's arguments (npm start passes its own through). */
function argDb(argv: string[]): string | undefined {
  const i = argv.findIndex((a) => a === '--db' || a.startsWith('--db='));
  if (i < 0) return undefined;
  return argv[i].startsWith('--db=') ? argv[i].slice(5) : argv[i + 1];
}
const withoutDb = (argv: string[]) => argv.filter((a, i) => a !== '--db' && !a.startsWith('--db=') && argv[i - 1] !== '--db');

// Chromium's own state sits beside the lab's default database, in the platform data folder.
app.setPath('userData', dataDir());
const asked = argDb(process.argv);
const dbPath = asked ? resolve(asked) : defaultDbPath(); // by default userData/lab.db

/** Every web contents: no navigation or redirect away from the renderer, no new windows, no <webview>. */
function guard(contents: WebContents): void {
  const stay = (e: { preventDefault(): void }, url: string) => { if (!isOurs(url)) e.preventDefault(); };
  contents.on('will-navigate', stay);
  contents.on('will-redirect', stay);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (URL.canParse(url) && new URL(url).protocol === 'https:') void shell.openExternal(url); // web links open in the system browser; nothing else
    return { action: 'deny' };
  });
}

function createWindow(): void {
  window = new BrowserWindow({
    width: 1280,
    height: 820,
    title: 'Attention Lab',
    show: false,
    webPreferences: {
      preload: join(__dirname, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
      disableBlinkFeatures: 'Auxclick', // middle-click cannot open anything either
    },
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => (window = null));
  if (rendererUrl) void window.loadURL(rendererUrl);
  else void window.loadFile(join(__dirname, '../renderer/index.html'));
}

/** Opens another database (null: the default) by restarting on it; every door opens it from now on. */
function switchDatabase(path: string | null): void {
  chooseDatabase(path);
  app.relaunch({ args: [...withoutDb(process.argv.slice(1)), '--db', path ?? join(dataDir(), 'lab.db')] });
  app.quit();
}

function menu(): Menu {
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      { label: 'Open Database…', click: async () => {
        const r = await dialog.showOpenDialog({ title: 'Open a lab database', properties: ['openFile'], filters: [{ name: 'Lab database', extensions: ['db'] }] });
        if (!r.canceled && r.filePaths[0]) switchDatabase(r.filePaths[0]);
      } },
      { label: 'New Database…', click: async () => {
        const r = await dialog.showSaveDialog({ title: 'Create a lab database', defaultPath: 'lab.db', filters: [{ name: 'Lab database', extensions: ['db'] }] });
        if (!r.canceled && r.filePath) switchDatabase(r.filePath);
      } },
      { label: 'Use the Default Database', click: () => switchDatabase(null) },
      { label: 'Show Database in Folder', click: () => shell.showItemInFolder(dbPath) },
      { type: 'separator' },
      { role: 'quit' },
    ],
  };
  return Menu.buildFromTemplate([...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []), file, { role: 'editMenu' }, { role: 'viewMenu' }, { role: 'windowMenu' }]);
}

app.on('web-contents-created', (_e, contents) => guard(contents));

app.whenReady().then(() => {
  try {
    lab = new Lab(dbPath);
  } catch (e) {
    // No better-sqlite3 build for this Electron, a database from a newer lab, …: say so and stop, no stack trace.
    dialog.showErrorBox('Attention Lab cannot open its database', `${dbPath}\n\n${(e as Error).message}`);
    app.exit(1);
    return;
  }
  const opened = lab;
  lab.tracking = tracking = trackingServer(lab); // the app's MLflow-compatible tracking API, started from the app
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  // both channels answer only the app's own page (not a frame it navigated to or embedded)
  const fromOurs = (event: Electron.IpcMainInvokeEvent) => !!event.senderFrame && isOurs(event.senderFrame.url);
  const refusedFrame = { ok: false, error: { code: 'invalid_input', message: 'call from an unknown frame refused' } };
  ipcMain.handle('lab:call', (event, name: string, input: unknown) => {
    if (!fromOurs(event)) return refusedFrame;
    return envelope(() => opened.call(name as never, input));
  });
  // an export streamed to a file the user picks: any number of runs, memory bounded, other calls answered meanwhile
  ipcMain.handle('lab:export', (event, input: unknown) => {
    if (!fromOurs(event)) return refusedFrame;
    return envelope(async () => {
      const stream = opened.exportStream(input); // checked before the dialog opens; nothing read yet
      const to = await dialog.showSaveDialog(window!, { title: 'Export runs', defaultPath: join(app.getPath('downloads'), stream.filename), filters: [{ name: stream.mime === 'text/csv' ? 'CSV' : 'JSON', extensions: [extname(stream.filename).slice(1)] }] });
      if (to.canceled || !to.filePath) return { path: null, bytes: 0 };
      return writeExportFile(stream.chunks, to.filePath);
    });
  });
  // progress of runs, imports and profiling, pushed to the window as it happens
  opened.events.on('progress', (e) => { if (window && !window.isDestroyed()) window.webContents.send('lab:event', 'progress', e); });
  Menu.setApplicationMenu(menu());
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => {
  void tracking?.close();
  lab?.close();
  lab = null;
});
