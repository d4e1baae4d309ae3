// mustachejs.js - the reference: render the newsletter N times with the
// `mustache` npm package (mustache.js). Prints "renders/s bytes".
// Usage: node mustachejs.js DIR N
'use strict';
const fs = require('fs');
const path = require('path');
const Mustache = require('mustache');
const [dir, n] = [process.argv[2], Number(process.argv[3])];
const tpl = fs.readFileSync(path.join(dir, 'newsletter.mustache'), 'utf8');
const partials = {footer: fs.readFileSync(path.join(dir, 'footer.mustache'), 'utf8')};
const view = JSON.parse(fs.readFileSync(path.join(dir, 'view.json'), 'utf8'));
Mustache.parse(tpl); // compile once, as Tern does
let bytes = 0;
for (let i = 0; i < 100; i++) Mustache.render(tpl, view, partials); // warm up the JIT
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) bytes = Mustache.render(tpl, view, partials).length;
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${(n / secs).toFixed(0)} ${bytes}`);
