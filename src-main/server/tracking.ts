import { LabError } from '../api/errors';
import type { Lab, TrackingDoor, TrackingStatus } from '../lab';
import { exportsFor, serve, type Served } from './index';

/**
 * The desktop app's tracking server: started and stopped from the app, on the port the user
 * chooses (5000, MLflow's own, when free), with a new token each start.
 */
export function trackingServer(lab: Lab): TrackingDoor & { close(): Promise<void> } {
  let served: Served | null = null, note: string | null = null;
  const status = (): TrackingStatus => served
    ? { running: true, port: served.port, exports: exportsFor(served.port, served.token), canStop: true, note }
    : { running: false, port: null, exports: null, canStop: true, note };
  return {
    status,
    async start(port?: number) {
      if (served && (port === undefined || port === served.port)) return status();
      await served?.close();
      served = null;
      try {
        served = await serve({ lab, rendererDir: '', port: port ?? 5000, trackingOnly: true });
        note = null;
      } catch (e) {
        if (port !== undefined || !(e instanceof LabError && e.code === 'conflict')) throw e;
        served = await serve({ lab, rendererDir: '', port: 0, trackingOnly: true }); // 5000 is taken (by MLflow, say): any free port
        note = `port 5000 is in use, so the tracking API listens on ${served.port}`;
      }
      return status();
    },
    async stop() {
      await served?.close();
      served = null;
      note = null;
      return status();
    },
    async close() {
      await served?.close();
      served = null;
    },
  };
}
