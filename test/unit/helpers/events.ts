import type { ProgressEvent } from '../../../src-main/api/schemas';
import type { Lab } from '../../../src-main/lab';

/** Resolves with the first progress event that matches. */
export const nextEvent = (lab: Lab, match: (e: ProgressEvent) => boolean) =>
  new Promise<ProgressEvent>((resolve) => {
    const on = (e: ProgressEvent) => {
      if (!match(e)) return;
      lab.events.off('progress', on);
      resolve(e);
    };
    lab.events.on('progress', on);
  });
