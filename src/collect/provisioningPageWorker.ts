/**
 * A worker thread that reads provisioning pages (see provisioningPageParsers): given the run's context
 * as workerData, it answers each {id, body, path} with {id, page}, the page's row and time arrays
 * transferred rather than copied, or with {id, failed} when the page could not be read (the caller
 * then reads it itself, and reports what is wrong with it exactly as if no worker had been involved).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readProvisioningPage, type ProvisioningPageContext } from './provisioningPage.js';

const context = workerData as ProvisioningPageContext;
const port = parentPort;
if (port === null) throw new Error('provisioningPageWorker runs as a worker thread only');

port.on('message', (message: { id: number; body: Uint8Array; path: string }) => {
  let page;
  try {
    page = readProvisioningPage(message.body, message.path, context);
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
});
