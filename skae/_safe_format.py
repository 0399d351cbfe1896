"""An object graph as JSON, tensors and arrays: what :func:`skae.save` writes.

It follows pickle's protocol (``__getstate__`` / ``__setstate__``, shared references kept
shared) with two differences that make loading safe. What the file names is resolved only
if trusted: classes and functions by their fully qualified names, from an allow-list of
skae's, skorch's, torch's and scikit-learn's kinds plus the names the user passes, all
checked before any object is made. Data is read without executable parts: the tree as
JSON, tensors with ``torch.load(weights_only=True)``, arrays with
``numpy.load(allow_pickle=False)``.
"""

import base64
import collections
import functools
import importlib
import inspect
import io
import types

import numpy as np
import torch
from sklearn.base import BaseEstimator
from skorch.net import NeuralNet

# Classes of these packages are trusted: their ``__setstate__`` sets attributes, and what
# they do later is their own, reviewed code. sklearn's only as estimators.
TRUSTED_CLASS_PREFIXES = ("skae.", "skorch.", "torch.nn.modules.", "torch.optim.")
# Functions are trusted one by one: an object may call what it holds (a logger's sink).
TRUSTED_FUNCTIONS = frozenset({
    "builtins.print", "skorch.utils.noop", "skorch.setter.optimizer_setter",
    "skorch.net._virtual_setattr",
})
BUILTIN_TYPES = {t.__name__: t for t in (dict, list, tuple, set, frozenset, int, float,
                                         str, bool, bytes, object)}
SPECIAL_DICTS = {"collections.OrderedDict": collections.OrderedDict,
                 "collections.defaultdict": collections.defaultdict}


class UntrustedError(TypeError):
    """The file names classes or functions that are not trusted."""

    def __init__(self, names):
        self.names = sorted(names)
        super().__init__(
            "The file names classes or functions that skae does not trust: "
            f"{self.names}. Loading them would run their code. If you trust them, pass "
            f"trusted={self.names!r}.")


def qualified_name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def _importable(obj, path):
    """The fully qualified name of a class or function that import finds again."""
    name = qualified_name(obj)
    if "<locals>" in name or "<lambda>" in name or obj.__module__ == "__main__" or (
            _resolve(name) is not obj):
        raise TypeError(
            f"skae.save cannot save {path} ({obj!r}): a file names classes and functions "
            "by the module that defines them, and this one is not importable from its "
            "module. Define it at the top level of an importable module.")
    return name


def _resolve(name):
    """Import a fully qualified name; only called for trusted names."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        if "__main__" in parts[:cut]:
            return None
        try:
            obj = importlib.import_module(module)
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def default_trust(name):
    if name in TRUSTED_FUNCTIONS:
        return True
    if name.startswith("builtins.") and name[len("builtins."):] in BUILTIN_TYPES:
        return True
    if name.startswith(TRUSTED_CLASS_PREFIXES):
        return "class"
    return name.startswith("sklearn.") and "estimator"


class Encoder:
    """Walk an object graph into a JSON tree, collecting tensors and arrays."""

    def __init__(self):
        self.memo, self.alive = {}, []
        self.tensors, self.arrays = {}, {}
        self.names = set()
        self.attributes = set()  # ids of objects' states: their keys read as attributes

    def encode(self, obj, path="estimator"):
        if obj is None or isinstance(obj, (bool, str)) or type(obj) in (int, float):
            return obj
        if id(obj) in self.memo:
            return {"$": "ref", "id": self.memo[id(obj)]}
        self.memo[id(obj)] = node_id = len(self.memo)
        self.alive.append(obj)  # ids stay unique while the walk lasts
        node = self._encode(obj, path)
        node["id"] = node_id
        return node

    def _name(self, obj, path):
        name = _importable(obj, path)
        self.names.add(name)
        return name

    def _items(self, values, path):
        return [self.encode(v, f"{path}[{i}]") for i, v in enumerate(values)]

    def _encode(self, obj, path):
        t = type(obj)
        if isinstance(obj, torch.Tensor):
            key = f"t{len(self.tensors)}"
            self.tensors[key] = obj.detach()
            return {"$": "tensor", "key": key, "parameter": isinstance(obj, torch.nn.Parameter),
                    "requires_grad": obj.requires_grad, "device": str(obj.device)}
        if isinstance(obj, np.ndarray):
            if obj.dtype.hasobject:
                return {"$": "object_array", "shape": list(obj.shape),
                        "items": self._items(obj.ravel().tolist(), path)}
            key = f"arrays/{len(self.arrays)}.npy"
            self.arrays[key] = obj
            return {"$": "array", "key": key}
        if isinstance(obj, np.generic):
            return {"$": "scalar", "dtype": obj.dtype.str, "value": obj.item()}
        if isinstance(obj, np.dtype):
            return {"$": "np_dtype", "value": obj.str}
        if isinstance(obj, torch.device):
            return {"$": "device", "value": str(obj)}
        if isinstance(obj, torch.dtype):
            return {"$": "torch_dtype", "value": str(obj).removeprefix("torch.")}
        if isinstance(obj, np.random.RandomState):
            return {"$": "random_state", "state": self.encode(obj.get_state(), path)}
        if isinstance(obj, (int, float)):  # subclasses (an IntEnum) as plain numbers
            return {"$": "number", "value": obj.real}
        if t is bytes:
            return {"$": "bytes", "value": base64.b64encode(obj).decode()}
        if t in (list, tuple, set, frozenset):
            return {"$": t.__name__, "items": self._items(obj, path)}
        if t in (dict, collections.OrderedDict, collections.defaultdict):
            node = {"$": "dict", "class": qualified_name(t) if t is not dict else None,
                    "items": [[self.encode(k, path), self.encode(v, (
                        f"{path}.{k}" if id(obj) in self.attributes else f"{path}[{k!r}]"))]
                              for k, v in obj.items()]}
            if t is collections.defaultdict:
                node["factory"] = self.encode(obj.default_factory, path)
            return node
        if isinstance(obj, type) or isinstance(obj, (types.FunctionType,
                                                     types.BuiltinFunctionType)):
            return {"$": "name", "name": self._name(obj, path)}
        if t is functools.partial:
            return {"$": "partial", "func": self.encode(obj.func, path),
                    "args": self._items(obj.args, path),
                    "keywords": self.encode(dict(obj.keywords), path)}
        return self._encode_object(obj, path)

    def _encode_object(self, obj, path):
        if not hasattr(obj, "__dict__") and not hasattr(obj, "__slots__"):
            raise TypeError(f"skae.save cannot save {path}: {type(obj).__name__} objects "
                            "keep their state outside Python attributes.")
        # A skorch net's __getstate__ pickles its modules into bytes; its attributes are
        # saved as they are instead.
        state = dict(vars(obj)) if isinstance(obj, NeuralNet) else obj.__getstate__()
        self.attributes.add(id(state))
        node = {"$": "object", "class": self._name(type(obj), path),
                "state": self.encode(state, path)}
        if isinstance(obj, list):
            node["list"] = self._items(list.__iter__(obj), path)
        elif isinstance(obj, dict):
            node["dict"] = self.encode(dict(dict.items(obj)), path)
        return node


def named(tree):
    """Every class and function name that a JSON tree refers to."""
    names, stack = set(), [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if node.get("$") == "name":
                names.add(node["name"])
            elif node.get("$") == "object":
                names.add(node["class"])
            stack.extend(node.values())
    return names


def untrusted_names(names, trusted=()):
    """The names of ``names`` that neither skae's allow-list nor ``trusted`` covers."""
    trusted = set(trusted)
    return sorted(name for name in names if name not in trusted and not default_trust(name))


class Decoder:
    """Rebuild an object graph from the JSON tree, tensors and arrays of a file."""

    def __init__(self, tensors, arrays, trusted):
        self.tensors, self.arrays, self.trusted = tensors, arrays, set(trusted)
        self.memo, self.resolved = {}, {}

    def resolve(self, names):
        """Look every name up before anything is built; refuse the untrusted ones together."""
        refused = []
        for name in sorted(names):
            try:
                self.resolved[name] = self.lookup(name)
            except UntrustedError:
                refused.append(name)
        if refused:
            raise UntrustedError(refused)

    def lookup(self, name):
        if name in self.resolved:
            return self.resolved[name]
        trust = True if name in self.trusted else default_trust(name)
        if not trust:
            raise UntrustedError([name])
        obj = _resolve(name)
        if obj is None or (qualified_name(obj) != name if hasattr(obj, "__qualname__")
                           else True):
            raise ValueError(f"The file names {name}, which this installation does not "
                             "have; was it saved with other versions of skae or its "
                             "dependencies?")
        if trust is True:
            return obj
        kind = BaseEstimator if trust == "estimator" else object
        if not inspect.isclass(obj) or not issubclass(obj, kind):
            raise UntrustedError([name])
        return obj

    def decode(self, node):
        if not isinstance(node, dict):
            return node
        kind = node["$"]
        if kind == "ref":
            return self.memo[node["id"]]
        method = getattr(self, f"_decode_{kind}", None)
        if method is None:
            raise ValueError(f"The file holds an object of unknown kind {kind!r}.")
        return method(node)

    def _keep(self, node, obj):
        self.memo[node["id"]] = obj
        return obj

    def _decode_tensor(self, node):
        tensor = self.tensors[node["key"]]
        if node["parameter"]:
            tensor = torch.nn.Parameter(tensor, requires_grad=node["requires_grad"])
        elif node["requires_grad"] and tensor.is_floating_point():
            tensor = tensor.requires_grad_()
        return self._keep(node, tensor)

    def _decode_array(self, node):
        return self._keep(node, self.arrays[node["key"]])

    def _decode_object_array(self, node):
        items = [self.decode(item) for item in node["items"]]
        array = np.empty(len(items), dtype=object)
        array[:] = items
        return self._keep(node, array.reshape(node["shape"]))

    def _decode_scalar(self, node):
        return self._keep(node, np.dtype(node["dtype"]).type(node["value"]))

    def _decode_np_dtype(self, node):
        return self._keep(node, np.dtype(node["value"]))

    def _decode_device(self, node):
        return self._keep(node, torch.device(node["value"]))

    def _decode_torch_dtype(self, node):
        dtype = getattr(torch, node["value"], None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"The file names an unknown torch dtype {node['value']!r}.")
        return self._keep(node, dtype)

    def _decode_random_state(self, node):
        rng = np.random.RandomState()
        rng.set_state(self.decode(node["state"]))
        return self._keep(node, rng)

    def _decode_number(self, node):
        return self._keep(node, node["value"])

    def _decode_bytes(self, node):
        return self._keep(node, base64.b64decode(node["value"]))

    def _decode_list(self, node):
        items = self._keep(node, [])
        items.extend(self.decode(item) for item in node["items"])
        return items

    def _decode_tuple(self, node):
        return self._keep(node, tuple(self.decode(item) for item in node["items"]))

    def _decode_set(self, node):
        items = self._keep(node, set())
        items.update(self.decode(item) for item in node["items"])
        return items

    def _decode_frozenset(self, node):
        return self._keep(node, frozenset(self.decode(item) for item in node["items"]))

    def _decode_dict(self, node):
        cls = SPECIAL_DICTS.get(node["class"], dict) if node["class"] else dict
        if node["class"] and node["class"] not in SPECIAL_DICTS:
            raise ValueError(f"The file holds a dict of unknown class {node['class']!r}.")
        mapping = self._keep(node, cls())
        if "factory" in node:
            mapping.default_factory = self.decode(node["factory"])
        for key, value in node["items"]:
            mapping[self.decode(key)] = self.decode(value)
        return mapping

    def _decode_name(self, node):
        return self._keep(node, self.lookup(node["name"]))

    def _decode_partial(self, node):
        func = self.decode(node["func"])
        args = [self.decode(a) for a in node["args"]]
        return self._keep(node, functools.partial(func, *args,
                                                  **self.decode(node["keywords"])))

    def _decode_object(self, node):
        cls = self.lookup(node["class"])
        obj = self._keep(node, cls.__new__(cls))
        if "list" in node:
            list.extend(obj, (self.decode(item) for item in node["list"]))
        if "dict" in node:
            dict.update(obj, self.decode(node["dict"]))
        state = self.decode(node["state"])
        if isinstance(obj, NeuralNet) or not hasattr(cls, "__setstate__"):
            _set_state(obj, state)
        else:
            obj.__setstate__(state)
        return obj


def _set_state(obj, state):
    """What pickle does for a class without ``__setstate__``."""
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
        for name, value in (slots or {}).items():
            setattr(obj, name, value)
    if state:
        obj.__dict__.update(state)


def encode_arrays(arrays):
    """Each array as the bytes of an ``.npy`` file."""
    out = {}
    for key, array in arrays.items():
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        out[key] = buffer.getvalue()
    return out


def decode_array(data):
    return np.load(io.BytesIO(data), allow_pickle=False)
