import { contextBridge, ipcRenderer } from 'electron';

/**
 * The only bridge between the sandboxed renderer and the main process: one
 * function that forwards a contract call (main validates every input), and the
 * subscription to the events main pushes.
 */
contextBridge.exposeInMainWorld('labBridge', {
  call: (name: string, input: unknown) => ipcRenderer.invoke('lab:call', name, input),
  /** An export of runs saved to a file the user picks in main's dialog (streamed there, not through this window). */
  exportRuns: (input: unknown) => ipcRenderer.invoke('lab:export', input),
  /** Progress events pushed by main; returns an unsubscribe function. */
  onEvent: (listener: (name: string, payload: unknown) => void) => {
    const on = (_e: unknown, name: string, payload: unknown) => listener(name, payload);
    ipcRenderer.on('lab:event', on);
    return () => void ipcRenderer.off('lab:event', on);
  },
});
