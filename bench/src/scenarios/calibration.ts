import { startEchoServer } from '../env/processes.js';
import { RowBuilder, fixed, withCpu, type Lab } from '../lab.js';
import { LoadClient } from '../load/load-client.js';
import { cpuFigures, type Row, type Section } from '../report/results.js';

/** A rate at which requests arrive back to back, so that each wake-up serves several. */
export const BACK_TO_BACK_RATE = 3_000;

/** Section id of the calibration, read by the targets' explanations. */
export const CALIBRATION_SECTION = 'calibration';

/** The calibration row's subject at `rate`. */
export function calibrationSubject(rate: number): string {
  return `echo-${rate}`;
}

/**
 * What one HTTP request costs this machine at each rate, with nothing of runq or its peers in
 * it: Node's own HTTP server answering a small JSON body (`env/echo-server.ts`, its own
 * process) under the same open-loop load generator as the latency scenario, at the latency
 * rates and at {@link BACK_TO_BACK_RATE}.
 *
 * The CPU per request of a process falls steeply with the rate: at a few hundred requests per
 * second every request wakes each process up on its own (scheduler, cold caches), while at
 * thousands one wake-up serves several. runq's latency rows pay that price on every hop of a
 * run (load → API → PostgreSQL and Redis → worker → PostgreSQL and Redis), which is why the
 * machine is busier at 300 runs/s than the end-to-end CPU per run would suggest.
 */
export async function measureCalibration(lab: Lab): Promise<Section> {
  const { settings } = lab;
  const rates = [...new Set([...settings.latencyRates, BACK_TO_BACK_RATE])].sort((a, b) => a - b);
  const server = await startEchoServer();
  const rows: Row[] = [];
  try {
    const client = await LoadClient.open('load calibration', { kind: 'runq-get', baseUrl: server.url, apiKey: 'none', paths: ['/'] });
    try {
      for (const rate of rates) {
        const row = new RowBuilder(calibrationSubject(rate), `bare Node HTTP server @ ${rate}/s`);
        for (let rep = 1; rep <= settings.reps; rep += 1) {
          await client.run({ mode: 'open', rate, durationMs: settings.latencyWarmupMs });
          const measured = await withCpu({ echo: [server.pid], load: [client.pid] }, () => client.run({ mode: 'open', rate, durationMs: settings.latencyMs }));
          const sent = measured.value;
          row
            .add('http_p50', 'ms', 'lower', sent.latency.p50)
            .add('http_p99', 'ms', 'lower', sent.latency.p99)
            .add('achieved', 'ops/s', 'higher', sent.rate)
            .cpu(measured.cpu, sent.ok)
            .error(sent.errors, sent.errorSamples);
          const perRequest = cpuFigures([measured.cpu], [sent.ok]).cpuMsPerOp?.['echo'];
          lab.log(`  bare Node HTTP @ ${rate}/s rep ${rep}: server CPU ${fixed(perRequest, 3)} ms per request, p99 ${fixed(sent.latency.p99)} ms`);
        }
        rows.push(row.build());
      }
    } finally {
      await client.close();
    }
  } finally {
    await server.stop();
  }
  return {
    id: CALIBRATION_SECTION,
    title: 'Machine calibration — one bare HTTP request at each rate',
    description: `Node's own HTTP server (no framework, a 11-byte JSON answer) in its own process, driven by the latency scenario's open-loop load generator for ${settings.latencyMs / 1000} s per rate (after a discarded ${settings.latencyWarmupMs / 1000} s warm-up). Nothing of runq or its peers runs. The CPU table shows what one request costs the server (echo) and the load generator at each rate on this machine.`,
    columns: [
      { metric: 'http_p50', header: 'p50 ms', digits: 2 },
      { metric: 'http_p99', header: 'p99 ms', digits: 2 },
      { metric: 'achieved', header: 'sent/s', digits: 0 },
    ],
    rows,
    comparisons: [],
  };
}
