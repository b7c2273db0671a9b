import type { RequestOptions, Transport } from './http.js';
import { eachItem, queryOf, resourcePath, signalOf } from './request-parts.js';
import type { ListSchedulesFilter, OccurrencePage, Schedule, ScheduleBody, ScheduleOccurrence, SchedulePage, SchedulePatch, TriggerResult } from './types.js';

function schedulePath(scheduleId: string, action?: string): string {
  return resourcePath('schedules', scheduleId, action);
}

/**
 * `runq.schedules.*`: schedules that create runs over time (cron in a time zone, intervals,
 * instants), each occurrence exactly once.
 *
 * @example
 * const nightly = await runq.schedules.create({
 *   key: 'nightly-report',
 *   spec: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
 *   run: { kind: 'task', owner: { kind: 'project', id: projectId }, request: { target: 'report' } },
 * });
 * for await (const occurrence of runq.schedules.occurrences(nightly.id)) console.log(occurrence.outcome, occurrence.run_id);
 */
export function scheduleMethods(transport: Transport) {
  const schedules = {
    /** Creates a schedule (`POST /schedules`). */
    create(body: ScheduleBody, opts: RequestOptions = {}): Promise<Schedule> {
      return transport.json<Schedule>('POST', 'schedules', { body, ...signalOf(opts) });
    },
    /** Creates or replaces the schedule with `key` (`PUT /schedules/by-key/{key}`). */
    put(key: string, body: ScheduleBody, opts: RequestOptions = {}): Promise<Schedule> {
      return transport.json<Schedule>('PUT', `schedules/by-key/${encodeURIComponent(key)}`, { body, ...signalOf(opts) });
    },
    /** Reads a schedule with its state and next five fire times. */
    get(scheduleId: string, opts: RequestOptions = {}): Promise<Schedule> {
      return transport.json<Schedule>('GET', schedulePath(scheduleId), signalOf(opts));
    },
    /** Changes fields of a schedule; its next fire time is recomputed. */
    update(scheduleId: string, patch: SchedulePatch, opts: RequestOptions = {}): Promise<Schedule> {
      return transport.json<Schedule>('PATCH', schedulePath(scheduleId), { body: patch, ...signalOf(opts) });
    },
    /** Deletes a schedule; the runs it created stay. */
    async delete(scheduleId: string, opts: RequestOptions = {}): Promise<void> {
      const response = await transport.send('DELETE', schedulePath(scheduleId), signalOf(opts));
      await response.body?.cancel();
    },
    /** Stops a schedule firing. */
    pause(scheduleId: string, opts: RequestOptions = {}): Promise<Schedule> {
      return transport.json<Schedule>('POST', schedulePath(scheduleId, 'pause'), signalOf(opts));
    },
    /** Resumes a paused schedule; the paused span fires only as its `missed` policy says. */
    resume(scheduleId: string, opts: RequestOptions = {}): Promise<Schedule> {
      return transport.json<Schedule>('POST', schedulePath(scheduleId, 'resume'), signalOf(opts));
    },
    /** Fires an occurrence now (the overlap policy still applies: a skipped one is a 409 problem). */
    trigger(scheduleId: string, opts: RequestOptions = {}): Promise<TriggerResult> {
      return transport.json<TriggerResult>('POST', schedulePath(scheduleId, 'trigger'), signalOf(opts));
    },
    /** One page of schedules, newest first. */
    listPage(filter: ListSchedulesFilter & { cursor?: string } = {}, opts: RequestOptions = {}): Promise<SchedulePage> {
      return transport.json<SchedulePage>('GET', `schedules${queryOf(filter)}`, signalOf(opts));
    },
    /** Every schedule matching `filter`, newest first. */
    list(filter: ListSchedulesFilter = {}, opts: RequestOptions = {}): AsyncGenerator<Schedule> {
      return eachItem((cursor) => schedules.listPage({ ...filter, ...(cursor ? { cursor } : {}) }, opts));
    },
    /** One page of a schedule's occurrences, latest first. */
    occurrencesPage(scheduleId: string, page: { limit?: number; cursor?: string } = {}, opts: RequestOptions = {}): Promise<OccurrencePage> {
      return transport.json<OccurrencePage>('GET', `${schedulePath(scheduleId, 'occurrences')}${queryOf(page)}`, signalOf(opts));
    },
    /** Every occurrence of a schedule, latest first. */
    occurrences(scheduleId: string, opts: RequestOptions = {}): AsyncGenerator<ScheduleOccurrence> {
      return eachItem((cursor) => schedules.occurrencesPage(scheduleId, cursor ? { cursor } : {}, opts));
    },
  };
  return schedules;
}
