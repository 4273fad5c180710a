// ONNX export and import of dense models (see export.ts and import.ts).
export { descriptionToOnnx, ONNX_OPSET, ONNX_IR_VERSION, type OnnxExportOptions } from './export';
export { onnxToDescription, type OnnxImportOptions } from './import';
