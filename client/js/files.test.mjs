// The files module's pure parts, under Node (`node --test client/js`); what it draws and
// uploads is tried in a real browser by the browser suite (polish 24).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kind, size } from './files.js';

test('sizes read as people say them', () => {
  for (const [bytes, said] of [
    [0, '0 B'],
    [812, '812 B'],
    [1024, '1 KB'],
    [14000, '14 KB'],
    [1024 * 1024, '1.0 MB'],
    [2516582, '2.4 MB'],
    [10 * 1024 * 1024, '10.0 MB'],
  ]) {
    assert.equal(size(bytes), said, String(bytes));
  }
});

test('types read by the names people know', () => {
  for (const [type, said] of [
    ['application/pdf', 'PDF'],
    ['text/csv', 'CSV'],
    ['text/plain', 'TEXT'],
    ['image/svg+xml', 'SVG'],
    ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'DOCX'],
    ['application/vnd.oasis.opendocument.spreadsheet', 'ODS'],
    ['application/msword', 'DOC'],
    ['application/zip', 'ZIP'],
  ]) {
    assert.equal(kind(type), said, type);
  }
});
