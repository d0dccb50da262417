// Redocly plugin `trainjobs-templates`: loading it instantiates the path-item templates
// (scripts/instantiate.mjs) into dist/source/, the document that redocly.yaml names as the API's
// root. So every Redocly command with this config (`npm run lint`, the bundle, an editor's
// extension) sees the instantiated document, without a build first. It adds no rule or decorator.
import { instantiate } from "../scripts/instantiate.mjs";

export default function templatesPlugin() {
  instantiate();
  return { id: "trainjobs-templates" };
}
