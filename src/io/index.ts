/** Reading and writing model data (browser-safe: works on bytes). */
export { saveSafetensors, loadSafetensors, SafetensorsError, type SafetensorsContents } from "./safetensors.js";
