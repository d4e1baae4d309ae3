// gen.js - write the benchmark newsletter: a ~60 KB HTML template with 50
// variables, 3 sections and a partial, and the view it renders with.
// Usage: node gen.js OUTDIR
'use strict';
const fs = require('fs');
const path = require('path');
const out = process.argv[2];

const filler = 'Our spring collection brings light fabrics, bright colours and easy ' +
  'shapes for long days outside. Free returns within 30 days, as always. ';

let tpl = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{{v0}}</title></head>' +
  '<body style="margin:0;padding:0">\n';
for (let i = 0; i < 50; i++) {
  tpl += `<table role="presentation" width="100%"><tr><td style="padding:8px 16px;` +
    `font-family:Arial,sans-serif;font-size:14px;color:#333333">` +
    `<p>{{v${i}}} ${filler.repeat(7)}</p></td></tr></table>\n`;
}
tpl += '{{#products}}<tr><td><a href="{{url}}">{{name}}</a> {{price}}</td></tr>\n{{/products}}';
tpl += '{{#has_coupon}}<p>Your code: <b>{{coupon}}</b></p>{{/has_coupon}}\n';
tpl += '{{^unsubscribed}}<p>' + filler + '</p>{{/unsubscribed}}\n';
tpl += '{{> footer}}\n</body></html>\n';
const footer = '<p style="font-size:11px;color:#777">{{company}}, {{address}}. ' +
  '<a href="{{unsubscribe}}">Unsubscribe</a></p>';

const view = {company: 'Shop & Co', address: 'Main Street 1, Springfield',
              unsubscribe: 'https://t.example.com/u/abc', has_coupon: true,
              coupon: 'SPRING-25', unsubscribed: false, products: []};
for (let i = 0; i < 50; i++) view[`v${i}`] = `Value ${i} <for> "Ann" & friends`;
for (let i = 0; i < 12; i++)
  view.products.push({name: `Product ${i}`, price: `€${(i * 3.5).toFixed(2)}`,
                      url: `https://shop.example/p/${i}?utm_source=mail&utm_medium=email`});

fs.writeFileSync(path.join(out, 'newsletter.mustache'), tpl);
fs.writeFileSync(path.join(out, 'footer.mustache'), footer);
fs.writeFileSync(path.join(out, 'view.json'), JSON.stringify(view));
