#!/usr/bin/env node
/**
 * The images' HEALTHCHECK (slim images have no curl): GET http://127.0.0.1:<port>/health/live, exit 0 on a 200,
 * 1 otherwise (no answer within 2 s, another status, a refused connection). Usage: `node healthcheck.js VAR`, where
 * VAR names the environment variable that holds the app's port (PORT for the API, CONSUMER_PORT for the consumer).
 */
'use strict';

const http = require('node:http');

const variable = process.argv[2] ?? 'PORT';
const port = Number(process.env[variable]);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  process.stderr.write(`healthcheck: ${variable} is not a port: ${JSON.stringify(process.env[variable])}\n`);
  process.exit(1);
}

const request = http.get({ host: '127.0.0.1', port, path: '/health/live', timeout: 2000 }, (response) => {
  response.resume();
  process.exit(response.statusCode === 200 ? 0 : 1);
});
request.on('timeout', () => request.destroy(new Error('no answer within 2 s')));
request.on('error', (error) => {
  process.stderr.write(`healthcheck: ${error.message}\n`);
  process.exit(1);
});
