// Every container of the engine, running or stopped, handed to the judge one at a time. The listing
// (GET /containers/json?all=1) is read as it streams and only the ids to inspect are kept; each container
// is then inspected with a few calls in flight, read by its schema, judged and let go, so memory stays
// bounded whatever the engine lists. Beyond --max-containers the rest of the listing is counted, not
// inspected: the engine lists newest first, so on an engine with more containers than that the oldest are
// the ones reported not checked. Whatever is not judged, or not in full, is reported not checked.
import type { ContainerSkips } from './container-skips.js';
import { PARALLEL_CALLS, type EngineApi } from './engine-api.js';
import { containerName, fetchDocument, type FetchedDocument, readContainer, readListingId, type ContainerInspect } from './engine-documents.js';
import type { Collector } from './finding.js';
import { JsonArrayElements } from '../forward/json-array-elements.js';
import { AnswerProblems } from './read-answer.js';

/** The listing may be this large: about a quarter of a million containers at a kilobyte each. */
const LISTING_LIMIT = 256 * 1024 * 1024;
/** One entry of the listing may be this large; the engine's are about a kilobyte. */
const ENTRY_LIMIT = 1024 * 1024;

const LISTING = '/containers/json?all=1';

/** The ids of the first `max` containers listed; what could not be listed is reported not checked. */
async function listContainers(api: EngineApi, max: number, collector: Collector): Promise<string[]> {
  const ids: string[] = [];
  const unreadable = new AnswerProblems();
  let listed = 0;
  const elements = new JsonArrayElements(ENTRY_LIMIT, (element) => {
    const index = listed++;
    if (index >= max) return; // counted, not read
    const where = `[${index}]`;
    if (element === 'too-large') return unreadable.add(where, `larger than ${ENTRY_LIMIT / 1024} KiB`);
    let json: unknown;
    try {
      json = JSON.parse(element.toString('utf8'));
    } catch {
      return unreadable.add(where, 'not JSON');
    }
    const id = readListingId(json, unreadable, where);
    if (id !== undefined) ids.push(id);
  });
  try {
    await api.stream(LISTING, LISTING_LIMIT, (chunk) => elements.push(chunk));
    elements.end();
  } catch (err) {
    const message = (err as Error).message;
    collector.skip(
      'containers',
      listed === 0
        ? `GET ${LISTING} failed: ${message}; no container was checked`
        : `GET ${LISTING} broke off after ${listed} entries: ${message}; the containers listed after them were not checked`,
    );
  }
  if (unreadable.count > 0)
    collector.skip(
      'containers',
      `GET ${LISTING}: ${unreadable.count} ${unreadable.count === 1 ? 'entry' : 'entries'} without a readable id, so ${unreadable.count === 1 ? 'that container was' : 'those containers were'} not checked: ${unreadable.describe()}`,
    );
  if (listed > max) {
    collector.skip(
      'containers',
      `${listed} containers are listed; only the ${max} most recently created were inspected (--max-containers ${max}): raise it to check the other ${listed - max}`,
    );
  }
  return ids;
}

/** Inspects, reads and judges one container; what goes wrong is counted in `skips`. */
async function inspectOne(api: EngineApi, id: string, skips: ContainerSkips, judge: (container: ContainerInspect) => Promise<void>): Promise<void> {
  let document: FetchedDocument<ContainerInspect> | null;
  try {
    document = await fetchDocument(api, `/containers/${encodeURIComponent(id)}/json`, (json, problems) => readContainer(json, id, problems));
  } catch (err) {
    skips.add(`GET /containers/{id}/json failed: ${(err as Error).message}`, id.slice(0, 12));
    return;
  }
  if (document === null) return; // removed since it was listed
  const { value: container, problems } = document;
  const name = containerName(container);
  for (const problem of problems.named) skips.add(`GET /containers/{id}/json: ${problem}: read as absent, so the checks that need it could not see it`, name);
  if (problems.count > problems.named.length) skips.add('GET /containers/{id}/json: further fields of the wrong type, read as absent', name);
  try {
    await judge(container);
  } catch (err) {
    skips.add(`the container checks failed: ${(err as Error).message}`, name);
  }
}

/** Judges up to `max` containers of the engine, a few at a time; reports what was not checked. */
export async function sweepContainers(api: EngineApi, max: number, collector: Collector, skips: ContainerSkips, judge: (container: ContainerInspect) => Promise<void>): Promise<void> {
  const ids = await listContainers(api, max, collector);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let id = ids[next++]; id !== undefined; id = ids[next++]) await inspectOne(api, id, skips, judge);
  };
  await Promise.all(Array.from({ length: PARALLEL_CALLS }, worker));
}
