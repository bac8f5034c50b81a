// webpack 5: the usual production config of a small app; nothing for the
// package (its wasm and worker are found through new URL(..., import.meta.url)).
import HtmlWebpackPlugin from 'html-webpack-plugin';

export default {
  mode: 'production',
  entry: './src/main.js',
  plugins: [new HtmlWebpackPlugin({ template: './index.html' })],
};
