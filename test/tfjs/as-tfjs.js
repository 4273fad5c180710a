'use strict';
// Preloaded (node -r) for the tfjs runs of examples/tfjs: require('blasnet') gives @tensorflow/tfjs with
// tfjs-node's file:// handlers (tfjs-node-shim.js), so each program runs unchanged on both libraries.
const Module = require('module');
const path = require('path');

const shim = path.join(__dirname, 'tfjs-node-shim.js');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'blasnet' ? shim : request, ...rest);
};
