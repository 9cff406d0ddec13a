import { describe, expect, it } from 'vitest';
import { e2eBrowser, screenshot, servedLab, watchedPage } from './browser';

const browserPath = e2eBrowser();

/** The Tracking view as a user meets it: the lines to paste, then a script's run in Runs. */
describe.skipIf(!browserPath)('tracking your own scripts, in Chromium', () => {
  const ctx = servedLab('attention-lab-e2e-track-');

  it('shows the two lines to paste; a script that uses them appears in Runs', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const { page, errors } = await watchedPage(ctx.browser, { colorScheme: scheme });
      await page.goto(ctx.served.url);
      await page.getByRole('navigation', { name: 'views' }).getByRole('button', { name: 'Tracking' }).click();
      await expect.poll(() => page.getByTestId('tracking-state').textContent()).toMatch(`Listening on 127.0.0.1:${ctx.served.port}`);
      const lines = (await page.getByTestId('tracking-exports').textContent())!;
      expect(lines).toBe(`export MLFLOW_TRACKING_URI=http://127.0.0.1:${ctx.served.port}\nexport MLFLOW_TRACKING_TOKEN=${ctx.served.token}`);
      await expect.poll(() => page.getByRole('region', { name: 'import from MLflow' }).textContent()).toMatch(/attention-lab import mlflow PATH/);
      await screenshot(page, `tracking-${scheme}`);

      if (scheme === 'light') {
        // what a script does with those two lines
        const uri = /MLFLOW_TRACKING_URI=(\S+)/.exec(lines)![1], token = /MLFLOW_TRACKING_TOKEN=(\S+)/.exec(lines)![1];
        const post = (path: string, body: unknown) => fetch(`${uri}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: JSON.stringify(body) }).then((r) => r.json());
        const { run } = await post('runs/create', { experiment_id: '0', run_name: 'my script' });
        await post('runs/log-batch', { run_id: run.info.run_id, params: [{ key: 'lr', value: '0.1' }], metrics: [0.5, 0.8].map((value, step) => ({ key: 'acc', value, step, timestamp: Date.now() })) });
        await post('runs/update', { run_id: run.info.run_id, status: 'FINISHED' });
        await page.getByRole('navigation', { name: 'views' }).getByRole('button', { name: 'Runs' }).click();
        await page.getByText('my script').first().waitFor();
        await page.getByText('MLflow: Default').first().waitFor(); // its source and experiment, where a lab run names its task set
        await screenshot(page, 'tracking-run-in-runs');
      }
      expect(errors.join('\n')).toBe('');
      await page.close();
    }
  }, 120_000);
});
