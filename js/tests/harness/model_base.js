// What both harness pages' anywidget models share: traits (get/set) and event
// handlers (on/off), the part of anywidget's model interface the widget uses
// besides send() and save_changes(), which each page defines for itself.
export class HarnessModel {
  constructor(attrs) {
    this.attrs = { ...attrs };
    this.handlers = new Map();
  }
  get(key) {
    return this.attrs[key];
  }
  set(key, value) {
    if (this.attrs[key] === value) return;
    this.attrs[key] = value;
    this.changed(key);
    this.emit(`change:${key}`);
  }
  /** Called for every trait set() changes, before its change event. */
  changed(_key) {}
  on(name, callback) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(callback);
  }
  off(name, callback) {
    if (!name) this.handlers.clear();
    else if (!callback) this.handlers.delete(name);
    else this.handlers.get(name)?.delete(callback);
  }
  emit(name, ...args) {
    for (const cb of [...(this.handlers.get(name) ?? [])]) cb(...args);
  }
}
