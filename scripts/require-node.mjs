// npm scripts run on the Node 24 that `npm ci` installs (the `node` devDependency puts it first
// on PATH). Anything else means the scripts were started outside npm: say so plainly.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `Strom needs Node 24 (this is ${process.version}). Run it through npm (npm start, npm test), which uses the Node 24 that npm ci installed.`,
  );
  process.exit(1);
}
