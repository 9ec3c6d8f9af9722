"""A Python tool reading a notebook DataFrame, called by the model, end to end (issue 5).

Real JupyterLab, Chromium, WebRTC to the built-in emulator. A notebook cell defines a pandas
DataFrame and an `@w.tool` function that reads it; a message typed in the view names the tool,
so the emulator's default rule calls it (realtime_widget/emulator/replies.py); the function runs
in the notebook's kernel and its result comes back as `function_call_output`; the assistant's
follow-up, in the view, carries the number computed from the DataFrame. Editing the DataFrame
in the notebook changes the next answer: the tool reads the live variable, not a copy.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import OpenNotebook
from .lab import AttachedKernel, LabServer, PageProblems, write_notebook
from .test_widget_e2e import KERNEL_PROBE, connect, type_message, widget_view

pytestmark = [pytest.mark.browser, pytest.mark.jupyter]

WIDGET = """\
import pandas as pd
from typing import Literal
from realtime_widget import RealtimeWidget

w = RealtimeWidget()
w"""

# `item` has no default: the emulator takes the value the typed message names ("plums").
TOOL = '''\
inventory = pd.DataFrame({"item": ["plums", "pears"], "count": [4200, 17], "reserved": [13, 2]})

@w.tool
def stock(item: Literal["plums", "pears"]) -> dict:
    """How many of a fruit can be sold now.

    Args:
        item: the fruit.
    """
    row = inventory.loc[inventory["item"] == item].iloc[0]
    return {"item": item, "available": int(row["count"] - row["reserved"])}

[spec["name"] for spec in w.tool_specs]'''

TOOL_CELL = 1

# The kernel's log of this tool's round trip: the server's call, the kernel's answer.
ROUND_TRIPS = """\
def e2e_tool_round_trips():
    calls = {
        e["call_id"]: {"name": e["name"], "arguments": json.loads(e["arguments"])}
        for e in e2e_events(w)
        if e.get("type") == "response.function_call_arguments.done"
    }
    outputs = [
        e for e in e2e_events(w, "client")
        if e.get("type") == "conversation.item.create"
        and e["item"].get("type") == "function_call_output"
    ]
    return [
        {**calls.get(o["item"]["call_id"], {}), "call_id": o["item"]["call_id"],
         "output": o["item"]["output"]}
        for o in outputs
    ]
"""


def tool_notebook(lab: LabServer) -> str:
    name = "prototyping-e2e.ipynb"
    write_notebook(lab.root_dir / name, [("code", WIDGET), ("code", TOOL)])
    return name


def wait_round_trips(kernel: AttachedKernel, count: int) -> list[dict[str, Any]]:
    trips: list[dict[str, Any]] = kernel.wait_for(
        f"len(e2e_tool_round_trips()) >= {count} and e2e_tool_round_trips()",
        timeout=30,
        what=f"{count} tool call(s) answered by the kernel",
    )
    return trips


def test_a_tool_reading_a_notebook_dataframe_answers_the_model(
    jupyter_server: LabServer, open_notebook: OpenNotebook, page_problems: PageProblems
) -> None:
    notebook = open_notebook(tool_notebook(jupyter_server))
    notebook.run_all()
    tool_outputs = notebook.cell_outputs(TOOL_CELL)
    assert any("'stock'" in json.dumps(o) for o in tool_outputs), tool_outputs
    kernel = notebook.kernel()
    kernel.run(KERNEL_PROBE + "\n" + ROUND_TRIPS + "\nw.muted = True")
    view = widget_view(notebook, 0)
    connect(view, kernel)

    # The registered schema, as the session got it (GA function tool).
    specs = kernel.eval("w.tool_specs")
    assert specs[0]["type"] == "function" and specs[0]["name"] == "stock"
    assert specs[0]["parameters"]["properties"]["item"]["enum"] == ["plums", "pears"]

    type_message(view, "How many plums can I buy? Check the stock tool.")
    [trip] = wait_round_trips(kernel, 1)
    assert trip["name"] == "stock" and trip["arguments"] == {"item": "plums"}
    # 4200 in stock minus 13 reserved: computed in the kernel from the notebook's DataFrame.
    assert json.loads(trip["output"]) == {"item": "plums", "available": 4187}
    expect(view).to_contain_text(
        re.compile(r"The tool returned: .*\"available\": 4187"), timeout=15_000
    )

    # The transcript (kernel side) has the call, its output and the follow-up, in order,
    # once the follow-up is done (the view may show its text a batch before the kernel has it).
    kernel.wait_for(
        "e2e_server_types(w).count('response.done') >= 2 and e2e_settled(w)",
        timeout=30,
        what="the follow-up response (after the tool call's) to finish",
    )
    rows = kernel.eval(
        "w.transcript[['role', 'kind', 'name', 'call_id', 'text', 'status']]"
        ".astype(object).to_dict('records')"
    )
    kinds = [(r["role"], r["kind"]) for r in rows]
    call = kinds.index(("assistant", "function_call"))
    assert kinds[call - 1 : call + 3] == [
        ("user", "text"),
        ("assistant", "function_call"),
        ("tool", "function_output"),
        ("assistant", "audio"),  # the widget's default output is audio (with its transcript)
    ], rows
    assert rows[call]["name"] == "stock" and rows[call]["call_id"] == trip["call_id"]
    assert rows[call + 1]["call_id"] == trip["call_id"]
    assert "4187" in rows[call + 2]["text"] and rows[call + 2]["status"] == "complete"
    assert kernel.eval("[r.ok for r in w.tool_errors]") == []

    # The tool reads the notebook's live variable: change the data, ask again.
    kernel.run("inventory.loc[inventory['item'] == 'plums', 'reserved'] = 200")
    type_message(view, "And now? Ask the stock tool again.")
    trips = wait_round_trips(kernel, 2)
    assert json.loads(trips[1]["output"]) == {"item": "plums", "available": 4000}
    expect(view).to_contain_text(re.compile(r"\"available\": 4000"), timeout=15_000)

    assert page_problems.page_errors == []
    notebook.screenshot("prototyping-tool-call")
