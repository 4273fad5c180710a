import './chain';
export * from './ops';
export { tidy, keep, dispose, memory, engine } from './memory';
export { Tensor } from './tensor';
