/**
 * A worker thread that reads provisioning pages (see provisioningPageParsers): it answers each
 * {id, body, path, context} (the context of the run whose page it is) with {id, page}, the page's row and time arrays
 * transferred rather than copied, or with {id, failed} when the page could not be read (the caller
 * then reads it itself, and reports what is wrong with it exactly as if no worker had been involved).
 */
import { parentPort } from 'node:worker_threads';
import { readProvisioningPage, type ProvisioningPageContext } from './provisioningPage.js';

const port = parentPort;
if (port === null) throw new Error('provisioningPageWorker runs as a worker thread only');

port.on(
  'message',
  (message: { id: number; body: Uint8Array; path: string; context: ProvisioningPageContext }) => {
    let page;
    try {
      page = readProvisioningPage(message.body, message.path, message.context);
    } catch (error) {
      port.postMessage({ id: message.id, failed: error instanceof Error ? error.message : String(error) });
      return;
    }
    // Buffers of their own (see SerialisedRows.detach and Float64Array.from), never shared ones.
    const { rows, rowEnds, times, observations } = page;
    const transfer = [
      rows.buffer,
      rowEnds.buffer,
      times.buffer,
      observations.sharedIndex.buffer,
    ] as ArrayBuffer[];
    port.postMessage({ id: message.id, page }, transfer);
  },
);
