import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateOpenApi, OPENAPI_FILE } from '../src/openapi.js';

const text = await generateOpenApi();
await mkdir(path.dirname(OPENAPI_FILE), { recursive: true });
await writeFile(OPENAPI_FILE, text);
process.stdout.write(`wrote ${path.relative(process.cwd(), OPENAPI_FILE)}\n`);
