import { contextBridge, ipcRenderer } from 'electron';

/**
 * The only bridge between the sandboxed renderer and the main process: one
 * function that forwards a contract call (main validates every input), and the
 * subscription to the events main pushes.
 */
contextBridge.exposeInMainWorld('labBridge', {
  call: (name: string, input: unknown) => ipcRenderer.invoke('lab:call', name, input),
  /** Progress events pushed by main; returns an unsubscribe function. */
  onEvent: (listener: (name: string, payload: unknown) => void) => {
    const on = (_e: unknown, name: string, payload: unknown) => listener(name, payload);
    ipcRenderer.on('lab:event', on);
    return () => void ipcRenderer.off('lab:event', on);
  },
});
