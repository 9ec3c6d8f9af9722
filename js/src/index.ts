// anywidget entry. A factory, so anywidget calls it once per widget model and
// the closure holds that model's controller (connection, mic, audio element,
// batcher): two views of one widget share one conversation and one peer.
import type { AnyModel, Initialize, Render } from "@anywidget/types";
import { WidgetController, type ModelLike, type WidgetTraits } from "./controller";
import { renderView } from "./view";

export default function createWidget(): { initialize: Initialize<WidgetTraits>; render: Render<WidgetTraits> } {
  let controller: WidgetController | null = null;
  return {
    initialize({ model }) {
      controller = new WidgetController(asModel(model));
      return () => {
        controller?.dispose();
        controller = null;
      };
    },
    render({ model, el }) {
      const m = asModel(model);
      // initialize always runs first; this only guards against a host that skips it.
      controller ??= new WidgetController(m);
      // The view registers itself with the controller (a call needs a view on the page).
      return renderView(el, m, controller);
    },
  };
}

function asModel(model: AnyModel<WidgetTraits>): ModelLike {
  return model as unknown as ModelLike;
}
