#!/usr/bin/env node
// Reference runner: one ONNX model on onnxruntime-node (CPU, 1 intra-op thread,
// sequential) on .npy inputs; writes each output as .npy.
//
// usage: node ort_run.js MODEL.onnx --input NAME=FILE.npy ... -o OUT.npy [--samples]
//   output 0 goes to OUT.npy, output i to OUT.npy.i.npy (dlc-run's convention).
//   --samples: run every input of rank >= 1 one slice of axis 0 at a time (each
//   slice keeps a leading 1, inputs of rank 0 are passed whole) and concatenate
//   the outputs along axis 0, as dlc-run runs samples.
// onnxruntime-node is found through NODE_PATH or $DLC_REAL_DIR/ort/node_modules.
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');

function loadOrt() {
  try {
    return require('onnxruntime-node');
  } catch (e) {
    const dir = process.env.DLC_REAL_DIR || path.join(os.homedir(), '.cache', 'dlc-real');
    return require(path.join(dir, 'ort', 'node_modules', 'onnxruntime-node'));
  }
}

// numpy descr <-> onnxruntime tensor type and typed array
const DTYPES = {
  '<f4': ['float32', Float32Array],
  '<i8': ['int64', BigInt64Array],
  '<i4': ['int32', Int32Array],
  '|b1': ['bool', Uint8Array],
  '|u1': ['uint8', Uint8Array],
};

function npyRead(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${file}: Fortran order`);
  const dims = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim())
    .filter((s) => s.length).map(Number);
  if (!DTYPES[descr]) throw new Error(`${file}: dtype ${descr} not supported`);
  const [type, Arr] = DTYPES[descr];
  const count = dims.reduce((a, b) => a * b, 1);
  const start = hstart + hlen;
  const bytes = buf.subarray(start, start + count * Arr.BYTES_PER_ELEMENT);
  const data = new Arr(count);
  new Uint8Array(data.buffer).set(bytes);
  return { type, dims, data: type === 'bool' ? data.map((v) => (v ? 1 : 0)) : data };
}

function npyWrite(file, type, dims, data) {
  const descr = Object.keys(DTYPES).find((k) => DTYPES[k][0] === type);
  if (!descr) throw new Error(`${file}: output type ${type} not supported`);
  const shape = dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = type === 'bool' ? Uint8Array.from(data, (v) => (v ? 1 : 0)) : data;
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(body.buffer, body.byteOffset, body.byteLength)]));
  fs.renameSync(tmp, file);
}

function slice0(t, i) {
  const per = t.data.length / t.dims[0];
  return { type: t.type, dims: [1, ...t.dims.slice(1)], data: t.data.slice(i * per, (i + 1) * per) };
}

async function main() {
  const args = process.argv.slice(2);
  let model = null;
  let out = null;
  let samples = false;
  let opt = 'all';
  const inputs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--input') {
      const [name, file] = args[++i].split(/=(.*)/s);
      inputs.push([name, npyRead(file)]);
    } else if (args[i] === '-o') out = args[++i];
    else if (args[i] === '--samples') samples = true;
    else if (args[i] === '--no-opt') opt = 'disabled';
    else if (!model) model = args[i];
    else throw new Error(`unknown argument ${args[i]}`);
  }
  if (!model || !out || !inputs.length) {
    throw new Error('usage: ort_run.js MODEL.onnx --input NAME=FILE.npy ... -o OUT.npy [--samples]');
  }
  const ort = loadOrt();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential',
    graphOptimizationLevel: opt, logSeverityLevel: 3,
  });
  const n = samples ? Math.max(...inputs.map(([, t]) => (t.dims.length ? t.dims[0] : 1))) : 1;
  const results = session.outputNames.map(() => []);
  for (let s = 0; s < n; s++) {
    const feeds = {};
    for (const [name, t] of inputs) {
      const u = samples && t.dims.length ? slice0(t, s) : t;
      feeds[name] = new ort.Tensor(u.type, u.data, u.dims);
    }
    const got = await session.run(feeds);
    session.outputNames.forEach((name, k) => results[k].push(got[name]));
  }
  session.outputNames.forEach((name, k) => {
    const parts = results[k];
    const dims = parts[0].dims.slice();
    if (samples) dims[0] = parts.reduce((a, p) => a + p.dims[0], 0);
    const total = parts.reduce((a, p) => a + p.data.length, 0);
    const data = new parts[0].data.constructor(total);
    let at = 0;
    for (const p of parts) {
      data.set(p.data, at);
      at += p.data.length;
    }
    const file = k === 0 ? out : `${out}.${k}.npy`;
    npyWrite(file, parts[0].type, dims, data);
    console.log(`${name}: ${parts[0].type} [${dims.join('x')}] -> ${file}`);
  });
}

main().catch((e) => {
  console.error(`ort_run.js: ${e.message}`);
  process.exit(1);
});
