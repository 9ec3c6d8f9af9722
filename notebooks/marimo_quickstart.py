import marimo

__generated_with = "0.25.2"
app = marimo.App()


@app.cell
def _():
    import marimo as mo

    mo.md(
        """
        # Quickstart in marimo: a voice conversation in a reactive notebook

        `RealtimeWidget` talks to the OpenAI Realtime API from your browser (WebRTC) while
        the Python kernel keeps the API key and receives every event, so other cells can
        read what was said.

        * With `OPENAI_API_KEY` set, it uses the real API (and costs money).
        * Without a key, it uses a **local emulator** that runs inside this notebook's
          kernel: nothing leaves your machine, and the widget says so.

        Run it with `marimo edit marimo_quickstart.py` (or `marimo run` for the app view).
        """
    )
    return (mo,)


@app.cell
def _(mo):
    from realtime_widget import RealtimeWidget

    w = RealtimeWidget()
    # Wrapped, the widget is a marimo UI element: a cell that reads `view` runs again
    # whenever the browser reports a change of a synced trait (`status`, `error`, `call_id`).
    view = mo.ui.anywidget(w)
    view  # noqa: B018 (marimo shows a cell's last expression)
    return view, w


@app.cell
def _(mo, w):
    # The live summary traits (`turns`, `event_count`, `total_tokens`, `cost_usd`) change in
    # the kernel, once per batch of events, so marimo does not see them as the element's
    # value. Observing one into `mo.state` makes every cell that calls `get_turns()` run again
    # after each completed response.
    get_turns, set_turns = mo.state(w.turns)
    w.observe(lambda change: set_turns(change["new"]), names="turns")
    mo.md(
        "Press **Connect** (allow the microphone), then talk, or type in the **Message** box "
        "and press Enter. The cell below follows the conversation by itself."
    )
    return (get_turns,)


@app.cell
def _(get_turns, mo, view, w):
    _turns = get_turns()
    _status = view.value["status"]
    mo.vstack(
        [
            mo.md(f"**{_turns}** model turn(s) so far; the call is **{_status}**."),
            w.transcript,
        ]
    )
    return


@app.cell
def _(mo):
    mo.md(r"""
    Every event the server sent is in `w.events`, and the usage in `w.usage`.
    You can also type from Python, and hang up when you are done:
    `w.send_text("Hello! What can you do?")`, `w.disconnect()`.
    """)
    return


if __name__ == "__main__":
    app.run()
