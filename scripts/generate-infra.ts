import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderInfraJson } from '../src/tables/infraJson.js';

/**
 * `npm run gen:infra`: writes infra/generated/tables.json from the table definitions. The file is committed
 * so Bicep can `loadJsonContent` it without a build step; test/tables/infraJson.test.ts fails when it is stale.
 */
const infraJsonPath = fileURLToPath(new URL('../infra/generated/tables.json', import.meta.url));

await mkdir(path.dirname(infraJsonPath), { recursive: true });
await writeFile(infraJsonPath, renderInfraJson());
console.log(`wrote ${path.relative(process.cwd(), infraJsonPath)}`);
