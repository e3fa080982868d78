/**
 * A worker thread that reads provisioning pages (see provisioningPageParsers): it answers each
 * {id, body, rows, path, context} (the page's bytes and room for its rows, both in a page slot's shared
 * memory, and the context of the run whose page it is) with {id, page}, the rows in that room (or in a
 * buffer of their own, transferred, when they did not fit) and the other arrays transferred rather than
 * copied; or with {id, failed} when the page could not be read (the caller then reads it itself, and
 * reports what is wrong with it exactly as if no worker had been involved). It keeps nothing of a page
 * once it has answered: the slot carries another page next.
 */
import { parentPort } from 'node:worker_threads';
import { readProvisioningPage, type ProvisioningPageContext } from './provisioningPage.js';

const port = parentPort;
if (port === null) throw new Error('provisioningPageWorker runs as a worker thread only');

port.on(
  'message',
  (message: {
    id: number;
    body: Uint8Array;
    rows: SharedArrayBuffer;
    path: string;
    context: ProvisioningPageContext;
  }) => {
    let page;
    try {
      page = readProvisioningPage(message.body, message.path, message.context, message.rows);
    } catch (error) {
      port.postMessage({ id: message.id, failed: error instanceof Error ? error.message : String(error) });
      return;
    }
    // Buffers of their own (see SerialisedRows.detach and Float64Array.from), except the rows when they
    // are in the slot's shared memory, which is not transferred but shared.
    const { rows, rowEnds, times, observations } = page;
    const transfer = [rowEnds.buffer, times.buffer, observations.sharedIndex.buffer] as ArrayBuffer[];
    if (!(rows.buffer instanceof SharedArrayBuffer)) transfer.push(rows.buffer);
    port.postMessage({ id: message.id, page }, transfer);
  },
);
