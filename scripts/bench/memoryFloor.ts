import https from 'node:https';

/**
 * The memory floor: the peak RSS of a bench round process that does only what every pipeline must,
 * receive the pages over HTTPS (Node's https, one keep-alive connection, each body gathered into one
 * buffer as a client does) and, with `parse`, JSON.parse each one, keeping nothing. The process has
 * the monitor's modules and dependencies loaded as a pipeline round has, so the difference between
 * this and the pipeline's peak is what the pipeline itself holds.
 *
 * Why it is printed: the peak RSS target reads against it (README, "Performance"); the receive path
 * alone leaves V8 up to 64 MB of dead response buffers before it collects them, on top of what the
 * loaded modules take.
 */
export async function memoryFloorPeakRssMb(
  pageServer: string,
  token: string,
  parse: boolean,
): Promise<number> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
  let url: string | undefined = `${pageServer}/v1.0/auditLogs/provisioning`;
  let pages = 0;
  try {
    while (url) {
      const body = await receive(url, token, agent);
      if (parse) JSON.parse(body.toString('utf8'));
      url = nextLinkIn(body);
      pages += 1;
    }
  } finally {
    agent.destroy();
  }
  if (pages === 0) throw new Error('memory floor: no pages');
  return process.resourceUsage().maxRSS / 1024;
}

function receive(url: string, token: string, agent: https.Agent): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
        if (response.statusCode !== 200) {
          response.resume();
          reject(new Error(`memory floor: ${response.statusCode} from the page server`));
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks)));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

const NEXT_LINK = Buffer.from('"@odata.nextLink":"');

/** The page's nextLink, found in its bytes (the page server puts it last, and links are ASCII). */
function nextLinkIn(body: Buffer): string | undefined {
  const at = body.lastIndexOf(NEXT_LINK);
  if (at < 0) return undefined;
  const from = at + NEXT_LINK.length;
  return body.toString('latin1', from, body.indexOf('"', from));
}
