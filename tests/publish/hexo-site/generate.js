// `hexo generate` through Hexo's API (what the `hexo` command runs), so the test needs no
// hexo-cli on the PATH. Run with the site folder as the working directory.
const Hexo = require('hexo');

const hexo = new Hexo(process.cwd(), { silent: true });
hexo
  .init()
  .then(() => hexo.call('generate', {}))
  .then(() => hexo.exit())
  .catch((error) => {
    console.error(error && error.stack ? error.stack : error);
    return hexo.exit(error).then(() => process.exit(1));
  });
