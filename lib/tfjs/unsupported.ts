// The names tfjs's namespaces export (@tensorflow/tfjs 4.22), so that each one blasnet lacks raises a
// BlasnetError naming it (ERR_UNSUPPORTED) instead of `tf.x is not a function`. Stubs are added only
// for names that are not there, so what blasnet implements is never shadowed.
import { BlasnetError } from '../errors';

/** Top-level functions of the tfjs namespace. */
export const TFJS_FUNCTIONS: readonly string[] = [
  'abs', 'acos', 'acosh', 'add', 'addN', 'all', 'any', 'argMax', 'argMin', 'asin', 'asinh', 'atan', 'atan2', 'atanh',
  'avgPool', 'avgPool3d', 'backend', 'basicLSTMCell', 'batchNorm', 'batchNorm2d', 'batchNorm3d', 'batchNorm4d',
  'batchToSpaceND', 'bincount', 'bitwiseAnd', 'booleanMaskAsync', 'broadcastArgs', 'broadcastTo', 'buffer', 'cast',
  'ceil', 'clipByValue', 'clone', 'complex', 'concat', 'concat1d', 'concat2d', 'concat3d', 'concat4d', 'conv1d',
  'conv2d', 'conv2dTranspose', 'conv3d', 'conv3dTranspose', 'copyRegisteredKernels', 'cos', 'cosh', 'cosineWindow',
  'cumprod', 'cumsum', 'customGrad', 'denseBincount', 'deprecationWarn', 'depthToSpace', 'depthwiseConv2d',
  'deregisterOp', 'diag', 'dilation2d', 'disableDeprecationWarnings', 'dispose', 'disposeVariables', 'div',
  'divNoNan', 'dot', 'dropout', 'einsum', 'elu', 'enableDebugMode', 'enableProdMode', 'enclosingPowerOfTwo',
  'engine', 'ensureShape', 'env', 'equal', 'erf', 'euclideanNorm', 'exp', 'expandDims', 'expm1', 'eye', 'fft',
  'fill', 'findBackend', 'findBackendFactory', 'floor', 'floorDiv', 'forceHalfFloat', 'gather', 'gatherND',
  'getBackend', 'getGradient', 'getKernel', 'getKernelsForBackend', 'grad', 'grads', 'greater', 'greaterEqual',
  'ifft', 'imag', 'inTopKAsync', 'input', 'irfft', 'isFinite', 'isInf', 'isNaN', 'keep', 'leakyRelu', 'less',
  'lessEqual', 'linspace', 'loadGraphModel', 'loadGraphModelSync', 'loadLayersModel', 'localResponseNormalization',
  'log', 'log1p', 'logSigmoid', 'logSoftmax', 'logSumExp', 'logicalAnd', 'logicalNot', 'logicalOr', 'logicalXor',
  'lowerBound', 'matMul', 'max', 'maxPool', 'maxPool3d', 'maxPoolWithArgmax', 'maximum', 'mean', 'memory',
  'meshgrid', 'min', 'minimum', 'mirrorPad', 'mod', 'model', 'moments', 'movingAverage', 'mul', 'multiRNNCell',
  'multinomial', 'neg', 'nextFrame', 'norm', 'notEqual', 'oneHot', 'ones', 'onesLike', 'op', 'outerProduct', 'pad',
  'pad1d', 'pad2d', 'pad3d', 'pad4d', 'pool', 'pow', 'prelu', 'print', 'prod', 'profile', 'raggedGather',
  'raggedRange', 'raggedTensorToTensor', 'rand', 'randomGamma', 'randomNormal', 'randomStandardNormal',
  'randomUniform', 'randomUniformInt', 'range', 'ready', 'real', 'reciprocal', 'registerBackend',
  'registerCallbackConstructor', 'registerGradient', 'registerKernel', 'registerOp', 'relu', 'relu6',
  'removeBackend', 'reshape', 'reverse', 'reverse1d', 'reverse2d', 'reverse3d', 'reverse4d', 'rfft', 'round',
  'rsqrt', 'scalar', 'scatterND', 'searchSorted', 'selu', 'separableConv2d', 'sequential', 'setBackend',
  'setPlatform', 'setWebGLContext', 'setdiff1dAsync', 'sigmoid', 'sign', 'sin', 'sinh', 'slice', 'slice1d',
  'slice2d', 'slice3d', 'slice4d', 'softmax', 'softplus', 'spaceToBatchND', 'sparseToDense', 'split', 'sqrt',
  'square', 'squaredDifference', 'squeeze', 'stack', 'step', 'stridedSlice', 'sub', 'sum', 'sumOutType', 'tan',
  'tanh', 'tensor', 'tensor1d', 'tensor2d', 'tensor3d', 'tensor4d', 'tensor5d', 'tensor6d', 'tensorScatterUpdate',
  'tidy', 'tile', 'time', 'topk', 'train', 'transpose', 'truncatedNormal', 'unique', 'unregisterGradient',
  'unregisterKernel', 'unsortedSegmentSum', 'unstack', 'upcastType', 'upperBound', 'valueAndGrad', 'valueAndGrads',
  'variable', 'variableGrads', 'where', 'whereAsync', 'zeros', 'zerosLike',
];

/** Top-level sub-namespaces blasnet has no counterpart for; any function taken from them refuses with ERR_UNSUPPORTED. */
export const TFJS_NAMESPACES: readonly string[] = [
  'image', 'linalg', 'signal', 'spectral', 'sparse', 'string', 'browser', 'fused', 'backend_util', 'webgl', 'models',
  'serialization',
];

/** Methods of tfjs's Tensor.prototype. */
export const TFJS_TENSOR_METHODS: readonly string[] = [
  'abs', 'acos', 'acosh', 'add', 'all', 'any', 'argMax', 'argMin', 'array', 'arraySync', 'as1D', 'as2D', 'as3D',
  'as4D', 'as5D', 'asScalar', 'asType', 'asin', 'asinh', 'atan', 'atan2', 'atanh', 'avgPool', 'batchNorm',
  'batchToSpaceND', 'broadcastTo', 'buffer', 'bufferSync', 'bytes', 'cast', 'ceil', 'clipByValue', 'clone', 'concat',
  'conv1d', 'conv2d', 'conv2dTranspose', 'cos', 'cosh', 'cumprod', 'cumsum', 'data', 'dataSync', 'dataToGPU',
  'depthToSpace', 'depthwiseConv2d', 'dilation2d', 'dispose', 'div', 'divNoNan', 'dot', 'elu', 'equal', 'erf',
  'euclideanNorm', 'exp', 'expandDims', 'expm1', 'fft', 'flatten', 'floor', 'floorDiv', 'gather', 'greater',
  'greaterEqual', 'ifft', 'irfft', 'isFinite', 'isInf', 'isNaN', 'leakyRelu', 'less', 'lessEqual',
  'localResponseNormalization', 'log', 'log1p', 'logSigmoid', 'logSoftmax', 'logSumExp', 'logicalAnd', 'logicalNot',
  'logicalOr', 'logicalXor', 'matMul', 'max', 'maxPool', 'maximum', 'mean', 'min', 'minimum', 'mirrorPad', 'mod',
  'mul', 'neg', 'norm', 'notEqual', 'oneHot', 'onesLike', 'pad', 'pool', 'pow', 'prelu', 'print', 'prod',
  'reciprocal', 'relu', 'relu6', 'reshape', 'reshapeAs', 'resizeBilinear', 'resizeNearestNeighbor', 'reverse',
  'rfft', 'round', 'rsqrt', 'selu', 'separableConv2d', 'sigmoid', 'sign', 'sin', 'sinh', 'slice', 'softmax',
  'softplus', 'spaceToBatchND', 'split', 'sqrt', 'square', 'squaredDifference', 'squeeze', 'stack', 'step',
  'stridedSlice', 'sub', 'sum', 'tan', 'tanh', 'throwIfDisposed', 'tile', 'toBool', 'toFloat', 'toInt', 'toString',
  'topk', 'transpose', 'unique', 'unsortedSegmentSum', 'unstack', 'variable', 'where', 'zerosLike',
];

/** Functions of the sub-namespaces blasnet shares with tfjs. */
export const TFJS_NAMESPACE_FUNCTIONS: Readonly<Record<string, readonly string[]>> = {
  layers: [
    'Layer', 'RNN', 'RNNCell', 'activation', 'add', 'alphaDropout', 'average', 'averagePooling1d', 'averagePooling2d',
    'averagePooling3d', 'avgPool1d', 'avgPool2d', 'avgPool3d', 'avgPooling1d', 'avgPooling2d', 'avgPooling3d',
    'batchNormalization', 'bidirectional', 'categoryEncoding', 'centerCrop', 'concatenate', 'conv1d', 'conv2d',
    'conv2dTranspose', 'conv3d', 'conv3dTranspose', 'convLstm2d', 'convLstm2dCell', 'cropping2D', 'dense',
    'depthwiseConv2d', 'dot', 'dropout', 'elu', 'embedding', 'flatten', 'gaussianDropout', 'gaussianNoise',
    'globalAveragePooling1d', 'globalAveragePooling2d', 'globalMaxPool1d', 'globalMaxPool2d', 'globalMaxPooling1d',
    'globalMaxPooling2d', 'gru', 'gruCell', 'input', 'inputLayer', 'layerNormalization', 'leakyReLU', 'lstm',
    'lstmCell', 'masking', 'maxPool1d', 'maxPool2d', 'maxPooling1d', 'maxPooling2d', 'maxPooling3d', 'maximum',
    'minimum', 'multiply', 'permute', 'prelu', 'randomWidth', 'reLU', 'repeatVector', 'rescaling', 'reshape',
    'resizing', 'rnn', 'separableConv2d', 'simpleRNN', 'simpleRNNCell', 'softmax', 'spatialDropout1d',
    'stackedRNNCells', 'thresholdedReLU', 'timeDistributed', 'upSampling2d', 'zeroPadding2d',
  ],
  train: ['adadelta', 'adagrad', 'adam', 'adamax', 'momentum', 'rmsprop', 'sgd',],
  util: [
    'arraysEqual', 'arraysEqualWithNull', 'assert', 'assertNonNegativeIntegerDimensions', 'assertNonNull',
    'assertShapesMatch', 'bytesFromStringArray', 'bytesPerElement', 'checkConversionForErrors', 'clamp',
    'computeStrides', 'convertBackendValuesAndArrayBuffer', 'createScalarValue', 'createShuffledIndices',
    'decodeString', 'distSquared', 'encodeString', 'fetch', 'fingerPrint64', 'flatten', 'getArrayFromDType',
    'getTypedArrayFromDType', 'hasEncodingLoss', 'hexToLong', 'indexToLoc', 'inferDtype', 'inferFromImplicitShape',
    'isBoolean', 'isFunction', 'isInt', 'isNumber', 'isPromise', 'isScalarShape', 'isString', 'isTypedArray',
    'isValidDtype', 'locToIndex', 'makeOnesTypedArray', 'makeZerosNestedTypedArray', 'makeZerosTypedArray',
    'nearestDivisor', 'nearestLargerEven', 'now', 'parseAxisParam', 'randUniform', 'repeatedTry', 'rightPad',
    'shuffle', 'shuffleCombo', 'sizeFromShape', 'sizeToSquarishShape', 'squeezeShape', 'sum', 'swap', 'tanh',
    'toNestedArray', 'toTypedArray',
  ],
  data: ['CSVDataset', 'Dataset', 'FileDataSource', 'TextLineDataset', 'URLDataSource', 'array', 'csv', 'func', 'generator',
  'microphone', 'webcam', 'zip',],
  io: [
    'CompositeArrayBuffer', 'browserFiles', 'browserHTTPRequest', 'concatenateArrayBuffers', 'copyModel',
    'decodeWeights', 'decodeWeightsStream', 'encodeWeights', 'fromMemory', 'fromMemorySync', 'getLoadHandlers',
    'getModelArtifactsForJSON', 'getModelArtifactsForJSONSync', 'getModelArtifactsInfoForJSON', 'getSaveHandlers',
    'getWeightSpecs', 'http', 'isHTTPScheme', 'listModels', 'loadWeights', 'moveModel', 'registerLoadRouter',
    'registerSaveRouter', 'removeModel', 'weightsLoaderFactory', 'withSaveHandler', 'withSaveHandlerSync',
  ],
  losses: [
    'absoluteDifference', 'computeWeightedLoss', 'cosineDistance', 'hingeLoss', 'huberLoss', 'logLoss',
    'meanSquaredError', 'sigmoidCrossEntropy', 'softmaxCrossEntropy',
  ],
  metrics: [
    'MAPE', 'MSE', 'binaryAccuracy', 'binaryCrossentropy', 'categoricalAccuracy', 'categoricalCrossentropy',
    'cosineProximity', 'mape', 'meanAbsoluteError', 'meanAbsolutePercentageError', 'meanSquaredError', 'mse',
    'precision', 'r2Score', 'recall', 'sparseCategoricalAccuracy',
  ],
  callbacks: ['earlyStopping',],
  initializers: [
    'constant', 'glorotNormal', 'glorotUniform', 'heNormal', 'heUniform', 'identity', 'leCunNormal', 'leCunUniform',
    'ones', 'orthogonal', 'randomNormal', 'randomUniform', 'truncatedNormal', 'varianceScaling', 'zeros',
  ],
  regularizers: ['l1', 'l1l2', 'l2',],
  constraints: ['maxNorm', 'minMaxNorm', 'nonNeg', 'unitNorm',],
};

export function unsupported(name: string, hint = ''): (...args: unknown[]) => never {
  const f = (): never => {
    throw new BlasnetError('ERR_UNSUPPORTED', `${name} is not supported by blasnet${hint}`);
  };
  Object.defineProperty(f, 'name', { value: name.split('.').pop() });
  return f;
}

/** Adds a refusing stub for every listed name the object lacks; returns the object. */
export function withStubs<T extends object>(target: T, names: readonly string[], prefix: string, hint = ''): T {
  for (const n of names) {
    if (!(n in target)) Object.defineProperty(target, n, { value: unsupported(`${prefix}${n}`, hint), enumerable: true, configurable: true, writable: true });
  }
  return target;
}

/** A namespace blasnet has nothing of: every function taken from it refuses, naming itself. */
export function unsupportedNamespace(name: string): Record<string, unknown> {
  return new Proxy({}, {
    get(_t, prop) {
      if (typeof prop !== 'string' || prop === 'then' || prop === 'toJSON' || prop === 'constructor') return undefined;
      return unsupported(`tf.${name}.${prop}`);
    },
  });
}
