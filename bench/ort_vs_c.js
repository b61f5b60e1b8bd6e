// The driver of bench/ort-vs-c.sh (node, with onnxruntime-node on NODE_PATH).
// usage: node ort_vs_c.js SPEC.json
// SPEC: {x, y, images, rounds, warmup, peak_gmacs, identity, models: [{model, macs,
//        variants: [{name, kind: "c"|"ort", path, text_bytes?, rodata_bytes?}]}]}
// For each model it starts every "c" variant (a c_rounds process) and opens every
// "ort" variant in this process (one intra-op thread, sequential, all graph
// optimizations), warms each up, then runs `rounds` rounds; in each round every
// variant in turn times images/rounds images (A B C A B C ...), so load from
// other jobs falls on all of them alike. Prints a markdown table on stdout; the
// per-round medians as JSON on stderr. ORT_OPTIMIZED_DIR=D saves the graphs onnxruntime
// runs (after its optimizations) into D.
'use strict';
const fs = require('fs');
const { spawn } = require('child_process');
const readline = require('readline');
const ort = require('onnxruntime-node');

function npy(path) {
  const b = fs.readFileSync(path);
  const hlen = b[6] === 1 ? 10 + b.readUInt16LE(8) : 12 + b.readUInt32LE(8);
  const header = b.toString('latin1', 10, hlen);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim()).map(Number);
  const data = b.buffer.slice(b.byteOffset + hlen, b.byteOffset + b.length);
  const descr = header.match(/'descr': '([^']*)'/)[1];
  return { shape, data: descr === '<f4' ? new Float32Array(data) : new BigInt64Array(data) };
}

const median = (a) => {
  const s = [...a].sort((p, q) => p - q), n = s.length;
  return n % 2 ? s[(n - 1) / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
};

class CVariant {
  constructor(v, spec) {
    this.v = v;
    this.p = spawn(v.path, [spec.x, spec.y], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.lines = readline.createInterface({ input: this.p.stdout })[Symbol.asyncIterator]();
  }
  async line() {
    const r = await this.lines.next();
    if (r.done) throw new Error(`${this.v.path} exited`);
    return r.value;
  }
  async open() {
    const [, arena] = (await this.line()).split(' ');
    this.arena = Number(arena);
  }
  async round(count, start) {
    this.p.stdin.write(`${count} ${start}\n`);
    const [med, mean, hits, errors] = (await this.line()).split(' ').map(Number);
    if (errors) throw new Error(`${this.v.path}: ${errors} runs returned an error`);
    return { med, mean, hits };
  }
  close() {
    this.p.stdin.end();
  }
}

class OrtVariant {
  constructor(v, spec) {
    this.v = v;
    this.x = spec.X;
    this.y = spec.Y;
  }
  async open() {
    this.s = await ort.InferenceSession.create(this.v.path, {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
      ...(process.env.ORT_OPTIMIZED_DIR ? { optimizedModelFilePath: `${process.env.ORT_OPTIMIZED_DIR}/${this.v.path.split('/').pop()}` } : {}),
    });
    this.inName = this.s.inputNames[0];
    this.outName = this.s.outputNames[0];
    this.dims = this.v.dims || [1, 1, 28, 28];
    this.per = this.dims.reduce((a, b) => a * b, 1);
    this.n = this.x.data.length / this.per;
  }
  async round(count, start) {
    const t = new Array(count);
    let hits = 0, sum = 0;
    for (let i = 0; i < count; i++) {
      const s = (start + i) % this.n;
      const a = process.hrtime.bigint();
      const feeds = { [this.inName]: new ort.Tensor('float32', this.x.data.subarray(s * this.per, (s + 1) * this.per), this.dims) };
      const r = await this.s.run(feeds);
      t[i] = Number(process.hrtime.bigint() - a) / 1e3;
      sum += t[i];
      const o = r[this.outName].data;
      if (o.length === 10) {
        let best = 0;
        for (let k = 1; k < o.length; k++) if (o[k] > o[best]) best = k;
        hits += BigInt(best) === this.y.data[s];
      }
    }
    return { med: median(t), mean: sum / count, hits };
  }
  close() {}
}

const fmt = (x, d = 2) => (x === undefined || !isFinite(x) ? '' : x.toFixed(d));

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  spec.X = npy(spec.x);
  spec.Y = npy(spec.y);
  const per = Math.max(1, Math.floor(spec.images / spec.rounds));
  const raw = {};
  const out = [];
  out.push(`| model | variant | us/image | / ort float | / ort int8 | -O3 native / -O2 | % int8 peak | .text bytes | .rodata bytes | arena bytes | top-1 % |`);
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');

  if (spec.identity) {
    // binding overhead: an Identity model of the image's shape, same session options
    const idv = new OrtVariant({ name: 'identity', path: spec.identity }, spec);
    await idv.open();
    await idv.round(spec.warmup, 0);
    const r = [];
    for (let k = 0; k < spec.rounds; k++) r.push((await idv.round(per, k * per)).med);
    console.error(`ort identity model (binding overhead per call): median ${fmt(median(r))} us, rounds ${r.map((v) => fmt(v)).join(' ')}`);
    out.unshift(`onnxruntime-node per-call overhead (Identity model, 1x1x28x28): ${fmt(median(r))} us/call (median of ${spec.rounds} round medians)`, '');
  }

  for (const m of spec.models) {
    const vs = m.variants.map((v) => (v.kind === 'c' ? new CVariant(v, spec) : new OrtVariant(v, spec)));
    for (const v of vs) await v.open();
    for (const v of vs) await v.round(spec.warmup, 0);
    const res = vs.map(() => []);
    for (let k = 0; k < spec.rounds; k++) {
      const start = spec.warmup + k * per;
      for (let j = 0; j < vs.length; j++) res[j].push(await vs[j].round(per, start));
    }
    for (const v of vs) v.close();
    raw[m.model] = Object.fromEntries(m.variants.map((v, j) => [v.name, res[j].map((r) => r.med)]));
    const idx = (name) => m.variants.findIndex((v) => v.name === name);
    const ratio = (j, ref) => (ref < 0 ? undefined : median(res[j].map((r, k) => r.med / res[ref][k].med)));
    for (let j = 0; j < vs.length; j++) {
      const v = m.variants[j];
      const us = median(res[j].map((r) => r.med));
      const o2 = v.name.endsWith('-O3n') ? idx(v.name.replace(/-O3n$/, '-O2')) : -1;
      const hits = res[j].reduce((a, r) => a + r.hits, 0);
      const peak = m.macs ? (100 * m.macs) / (us * 1e3) / spec.peak_gmacs : undefined;
      out.push(`| ${m.model} | ${v.name} | ${fmt(us, 1)} | ${fmt(ratio(j, idx('ort float')))} | ${fmt(ratio(j, idx('ort int8')))} | ` +
        `${fmt(ratio(j, o2))} | ${fmt(peak, 2)} | ${v.text_bytes ?? ''} | ${v.rodata_bytes ?? ''} | ${vs[j].arena ?? ''} | ${fmt((100 * hits) / (per * spec.rounds), 1)} |`);
    }
    console.error(`${m.model}: done`);
  }
  console.log(out.join('\n'));
  console.error(JSON.stringify({ per_round_median_us: raw }));
}

main().catch((e) => {
  console.error(`ort_vs_c.js: ${e.stack || e}`);
  process.exit(1);
});
