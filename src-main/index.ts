import { app, BrowserWindow, ipcMain, session, shell } from 'electron';
import { join } from 'node:path';
import { envelope } from './api/envelope';
import { Lab } from './lab';
import { trackingServer } from './server/tracking';

/** The Electron door. Only this file and preload.ts import 'electron' (DESIGN.md, rule 1). */

const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
const rendererUrl = process.env.ELECTRON_RENDERER_URL; // set by `electron-vite dev`
let lab: Lab;
let tracking: ReturnType<typeof trackingServer> | undefined;
let window: BrowserWindow | null = null;

function isOurs(url: string): boolean {
  if (rendererUrl) return url.startsWith(rendererUrl);
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname).startsWith(join(__dirname, '../renderer'));
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
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window?.show());
  window.on('closed', () => (window = null));
  // No navigation away from the app, no new windows: links open in the system browser.
  window.webContents.on('will-navigate', (e, url) => { if (!isOurs(url)) e.preventDefault(); });
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (rendererUrl) void window.loadURL(rendererUrl);
  else void window.loadFile(join(__dirname, '../renderer/index.html'));
}

app.whenReady().then(() => {
  lab = new Lab(join(app.getPath('userData'), 'lab.db'));
  lab.tracking = tracking = trackingServer(lab); // the app's MLflow-compatible tracking API, started from the app
  session.defaultSession.webRequest.onHeadersReceived((details, cb) =>
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  ipcMain.handle('lab:call', (event, name: string, input: unknown) => {
    if (!event.senderFrame || !isOurs(event.senderFrame.url)) return { ok: false, error: { code: 'invalid_input', message: 'call from an unknown frame refused' } };
    return envelope(() => lab.call(name as never, input));
  });
  // progress of runs, imports and profiling, pushed to the window as it happens
  lab.events.on('progress', (e) => { if (window && !window.isDestroyed()) window.webContents.send('lab:event', 'progress', e); });
  createWindow();
  app.on('activate', () => { if (BrowserWindow.getAllWindows().length === 0) createWindow(); });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
app.on('will-quit', () => {
  void tracking?.close();
  lab?.close();
});
