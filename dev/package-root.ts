export { packageRoot } from '../common/package-root';
