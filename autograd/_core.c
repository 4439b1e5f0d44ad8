/* gradsight's compiled core: the engine's per-op bookkeeping, in C.
 *
 * Each function is a line-by-line translation of the Python it replaces, which stays the reference
 * and runs whenever this file is not built (autograd/compiled.py loads and installs it):
 *   apply(cls, *inputs, **params)  Function.apply                    (autograd/function.py)
 *   apply1(cls, x)                 Function._apply1                  (autograd/function.py)
 *   apply2(cls, a, b)              Function._apply2                  (autograd/function.py)
 *   backward(tensor, ...)          engine.backward, common calls     (autograd/engine.py)
 *   backward_plain(...)            run_backward without create_graph or capture, with
 *                                  _backward_loop's plain case inside (backward_loop, not exported)
 *   accumulate(grads, held)        _accumulate_plain                 (autograd/engine.py)
 *   set_grad(tensor, value)        Tensor._set_grad for None         (autograd/tensor.py)
 *   operator(name, cls, ...)       Tensor.__mul__ and the other arithmetic operators (autograd/tensor.py)
 *   GradState                      grad_mode._State, the thread-local grad and anomaly modes
 * Anything unusual (an op with differentiable_inputs, an operand that is neither a Tensor nor a
 * Python scalar, hooks, anomaly checks, every error) is handed to the Python helpers bound by `bind`,
 * so every message and every rare path is the Python code's own. The ops' forward and backward stay
 * Python. No NumPy C API: arrays are used through their Python attributes, so any NumPy works.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

/* ---- what `bind` hands over from the Python side ---------------------------------------------- */
static PyObject *Tensor_type, *ndarray_type, *np_asarray, *grad_state, *collector, *creation_order;
static PyObject *native_floats, *scalar_cache, *version_clock;
static PyObject *py_apply1, *py_apply2, *py_scalar_constant, *py_forward_error, *py_check_forward;
static PyObject *py_counter_of_viewed, *py_unrecorded, *py_reduced_to, *py_check_delivered;
static PyObject *py_check_usable, *py_node_hooks, *py_refuse_count, *py_check_accumulation;
static PyObject *py_with_constants, *py_accumulate_into_leaves, *leaf_hooks, *py_backward, *py_set_grad, *np_array;
static PyObject *empty_tuple, *minus_one, *zero, *one;

/* interned attribute names */
static PyObject *s_forward, *s_backward, *s_anomaly, *s_grad_enabled;
static PyObject *s_base, *s_dtype, *s_shape, *s_kind;
static PyObject *s_f, *s_recorded, *s_origins, *s_differentiable_inputs, *s_latest;
static PyObject *s_astype, *s_copy, *s_flags, *s_writeable, *s_params, *s_end, *s_rearm, *s_registered, *s_ndim;

/* The fields of a Tensor, of an op's node (Function) and of the collector's pause are slots at fixed
 * offsets: read and written in place, as CPython's specialised bytecodes do, instead of through the
 * generic attribute protocol. Only where the object's type has the same slot descriptor as the class
 * that declares it and the generic attribute functions (Tensor itself, nn.Parameter, every op's node);
 * anything else takes the generic path. */
typedef struct {
    const char *text; PyObject **owner; PyObject *name; PyObject *descriptor; Py_ssize_t offset;
    PyTypeObject *checked; unsigned int checked_version;  /* the last subclass found to keep the slot */
} Slot;
static PyObject *Function_type, *collector_type;
static Slot slot_data = {"data", &Tensor_type}, slot_requires_grad = {"requires_grad", &Tensor_type};
static Slot slot__grad = {"_grad", &Tensor_type}, slot_grad_fn = {"grad_fn", &Tensor_type};
static Slot slot__hooks = {"_hooks", &Tensor_type}, slot__version_counter = {"_version_counter", &Tensor_type};
static Slot slot_sequence = {"sequence", &Function_type}, slot_parents = {"parents", &Function_type};
static Slot slot_needs_input_grad = {"needs_input_grad", &Function_type};
static Slot slot_input_meta = {"input_meta", &Function_type}, slot_saved = {"saved", &Function_type};
static Slot slot_hooks = {"hooks", &Function_type}, slot_freed = {"freed", &Function_type};
static Slot slot_next_check = {"next_check", &collector_type}, slot_active = {"active", &collector_type};
static Slot slot_backward_depth = {"backward_depth", &collector_type};
static Slot slot_ops_before_pause = {"ops_before_pause", &collector_type};
static Slot *all_slots[] = {&slot_data, &slot_requires_grad, &slot__grad, &slot_grad_fn, &slot__hooks,
                            &slot__version_counter, &slot_sequence, &slot_parents, &slot_needs_input_grad,
                            &slot_input_meta, &slot_saved, &slot_hooks, &slot_freed, &slot_next_check,
                            &slot_active, &slot_backward_depth, &slot_ops_before_pause};

static int slot_usable(PyObject *obj, Slot *slot)
{
    PyTypeObject *type = Py_TYPE(obj), *owner = (PyTypeObject *)*slot->owner;
    if (slot->descriptor == NULL || type->tp_getattro != PyObject_GenericGetAttr
            || type->tp_setattro != PyObject_GenericSetAttr)
        return 0;
    if (type == owner) return 1;
    /* a type's version tag changes with any change to it or its bases, and is never reused */
    int tagged = PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG);
    if (tagged && type == slot->checked && type->tp_version_tag == slot->checked_version) return 1;
    if (!PyType_IsSubtype(type, owner) || _PyType_Lookup(type, slot->name) != slot->descriptor) return 0;
    if (tagged || PyType_HasFeature(type, Py_TPFLAGS_VALID_VERSION_TAG)) {  /* _PyType_Lookup may assign it */
        slot->checked = type;
        slot->checked_version = type->tp_version_tag;
    }
    return 1;
}

static PyObject *field_get(PyObject *obj, Slot *slot)  /* obj.<slot>, a new reference */
{
    if (slot_usable(obj, slot)) {
        PyObject *value = *(PyObject **)((char *)obj + slot->offset);
        if (value != NULL) {
            Py_INCREF(value);
            return value;
        }
    }
    return PyObject_GetAttr(obj, slot->name);  /* also raises the AttributeError of an unset slot */
}

static int field_set(PyObject *obj, Slot *slot, PyObject *value)  /* obj.<slot> = value */
{
    if (!slot_usable(obj, slot)) return PyObject_SetAttr(obj, slot->name, value);
    PyObject **where = (PyObject **)((char *)obj + slot->offset), *old = *where;
    Py_INCREF(value);
    *where = value;
    Py_XDECREF(old);
    return 0;
}

static int field_truth(PyObject *obj, Slot *slot)  /* bool(obj.<slot>), -1 on error */
{
    PyObject *value = field_get(obj, slot);
    if (value == NULL) return -1;
    int truth = value == Py_True ? 1 : value == Py_False || value == Py_None ? 0 : PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

/* bind: the slots' descriptors and offsets on the classes that declare them */
static int find_slots(void)
{
    for (size_t i = 0; i < sizeof(all_slots) / sizeof(all_slots[0]); i++) {
        Slot *slot = all_slots[i];
        Py_CLEAR(slot->descriptor);
        slot->checked = NULL;
        if (slot->name == NULL && (slot->name = PyUnicode_InternFromString(slot->text)) == NULL) return -1;
        PyObject *descriptor = _PyType_Lookup((PyTypeObject *)*slot->owner, slot->name);
        if (descriptor == NULL || !Py_IS_TYPE(descriptor, &PyMemberDescr_Type)) continue;  /* generic path */
        PyMemberDef *member = ((PyMemberDescrObject *)descriptor)->d_member;
        if (member->type != T_OBJECT_EX || (member->flags & READONLY)) continue;
        Py_INCREF(descriptor);
        slot->descriptor = descriptor;
        slot->offset = member->offset;
    }
    return 0;
}

#define IS_TENSOR(o) PyObject_TypeCheck((o), (PyTypeObject *)Tensor_type)

static PyObject *new_instance(PyObject *type)  /* object.__new__(type) */
{
    return PyBaseObject_Type.tp_new((PyTypeObject *)type, empty_tuple, NULL);
}

static PyObject *new_counter(void)  /* [0, -1]: [version, stamp of the last in-place change] */
{
    PyObject *counter = PyList_New(2);
    if (counter == NULL) return NULL;
    Py_INCREF(zero);
    Py_INCREF(minus_one);
    PyList_SET_ITEM(counter, 0, zero);
    PyList_SET_ITEM(counter, 1, minus_one);
    return counter;
}

/* function.py's _new_node: an op's node before its forward runs, every slot at its default */
static PyObject *new_node(PyObject *cls)
{
    PyObject *node = new_instance(cls);
    if (node == NULL) return NULL;
    if (field_set(node, &slot_sequence, minus_one) < 0 || field_set(node, &slot_parents, empty_tuple) < 0
            || field_set(node, &slot_needs_input_grad, empty_tuple) < 0
            || field_set(node, &slot_input_meta, empty_tuple) < 0 || field_set(node, &slot_saved, empty_tuple) < 0
            || field_set(node, &slot_hooks, Py_None) < 0 || field_set(node, &slot_freed, Py_False) < 0) {
        Py_DECREF(node);
        return NULL;
    }
    return node;
}

/* cls.name for a class whose metaclass is `type` (an op, VersionClock): the attribute found along the
 * MRO and bound as `type.__getattribute__` binds it (a staticmethod gives its function), without the
 * generic lookup; anything else, and a name not found, take the generic path */
static PyObject *class_attribute(PyObject *cls, PyObject *name)
{
    if (Py_TYPE(cls) != &PyType_Type) return PyObject_GetAttr(cls, name);
    PyObject *attribute = _PyType_Lookup((PyTypeObject *)cls, name);
    if (attribute == NULL) return PyObject_GetAttr(cls, name);
    descrgetfunc get = Py_TYPE(attribute)->tp_descr_get;
    Py_INCREF(attribute);  /* a descriptor's __get__ may run code that drops the class's reference */
    if (get == NULL) return attribute;
    PyObject *bound = get(attribute, NULL, cls);
    Py_DECREF(attribute);
    return bound;
}

static int truth_of(PyObject *obj, PyObject *name)  /* bool(obj.name), -1 on error */
{
    PyObject *value = PyObject_GetAttr(obj, name);
    if (value == NULL) return -1;
    int truth = PyObject_IsTrue(value);
    Py_DECREF(value);
    return truth;
}

/* ---- grad mode and anomaly mode, per thread ---------------------------------------------------
 * grad_mode.py keeps them in a threading.local; with the core, grad_mode.state is a GradState, whose two
 * attributes live in C thread-locals (one per OS thread, as a threading.local has one per Python thread:
 * the same thing, and PyTorch's grad mode too), so the core reads them without an attribute lookup. */
static _Thread_local char tls_grad_enabled = 1, tls_anomaly = 0;
static int native_state;  /* grad_state is a GradState: the functions below read the thread-locals */

static char *mode_of(int anomaly) { return anomaly ? &tls_anomaly : &tls_grad_enabled; }

static PyObject *GradState_get(PyObject *self, void *anomaly)
{
    return PyBool_FromLong(*mode_of(anomaly != NULL));
}

static int GradState_set(PyObject *self, PyObject *value, void *anomaly)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "grad mode and anomaly mode cannot be deleted");
        return -1;
    }
    int on = PyObject_IsTrue(value);
    if (on < 0) return -1;
    *mode_of(anomaly != NULL) = (char)on;
    return 0;
}

static PyGetSetDef GradState_getset[] = {
    {"grad_enabled", GradState_get, GradState_set, "Whether ops record the graph (this thread).", NULL},
    {"anomaly", GradState_get, GradState_set, "Whether detect_anomaly is on (this thread).", (void *)1},
    {NULL},
};

static PyTypeObject GradState_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "autograd._core.GradState",
    .tp_basicsize = sizeof(PyObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Grad mode and anomaly mode of the calling thread (autograd.grad_mode.state).",
    .tp_getset = GradState_getset,
    .tp_new = PyType_GenericNew,
};

static PyObject *state_get(PyObject *name)  /* grad_state.<name>, a new reference */
{
    if (native_state) return PyBool_FromLong(*mode_of(name == s_anomaly));
    return PyObject_GetAttr(grad_state, name);
}

static int state_truth(PyObject *name)  /* bool(grad_state.<name>), -1 on error */
{
    if (native_state) return *mode_of(name == s_anomaly);
    return truth_of(grad_state, name);
}

static int state_set(PyObject *name, PyObject *value)  /* grad_state.<name> = value */
{
    if (native_state) return GradState_set(NULL, value, name == s_anomaly ? (void *)1 : NULL);
    return PyObject_SetAttr(grad_state, name, value);
}

static int is_python_scalar(PyObject *x)  /* type(x) in (float, int, bool) */
{
    PyTypeObject *type = Py_TYPE(x);
    return type == &PyFloat_Type || type == &PyLong_Type || type == &PyBool_Type;
}

/* out.dtype in _NATIVE_FLOAT_DTYPES or out.dtype.kind == "f" */
static int is_floating(PyObject *out)
{
    PyObject *dtype = PyObject_GetAttr(out, s_dtype);
    if (dtype == NULL) return -1;
    int floating = PySet_Contains(native_floats, dtype);
    if (floating == 0) {
        PyObject *kind = PyObject_GetAttr(dtype, s_kind);
        floating = kind == NULL ? -1 : PyObject_RichCompareBool(kind, s_f, Py_EQ);
        Py_XDECREF(kind);
    }
    Py_DECREF(dtype);
    return floating;
}

/* A pending ValueError, IndexError or TypeError of an op's forward, re-raised as function.py's
 * _forward_error makes it (naming the op and its inputs' shapes), from the original. The inputs are
 * `listed`, or else the first `count` of `arrays`. Any other error is left as it is. */
static void name_forward_error(PyObject *cls, PyObject *listed, PyObject *const *arrays, Py_ssize_t count)
{
    if (!(PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_IndexError)
          || PyErr_ExceptionMatches(PyExc_TypeError)))
        return;
    PyObject *type, *error, *traceback;
    PyErr_Fetch(&type, &error, &traceback);
    PyErr_NormalizeException(&type, &error, &traceback);
    if (traceback != NULL) PyException_SetTraceback(error, traceback);
    Py_XDECREF(type);
    Py_XDECREF(traceback);
    if (listed != NULL) {
        Py_INCREF(listed);
    } else if ((listed = PyList_New(count)) != NULL) {
        for (Py_ssize_t i = 0; i < count; i++) {
            Py_INCREF(arrays[i]);
            PyList_SET_ITEM(listed, i, arrays[i]);
        }
    }
    PyObject *wrapped = listed == NULL ? NULL :
        PyObject_CallFunctionObjArgs(py_forward_error, cls, error, listed, NULL);
    Py_XDECREF(listed);
    if (wrapped == NULL) {
        Py_DECREF(error);
        return;
    }
    PyException_SetCause(wrapped, error);  /* `raise ... from error`; steals error */
    PyErr_SetObject((PyObject *)Py_TYPE(wrapped), wrapped);
    Py_DECREF(wrapped);
}

/* The op's forward on one or two arrays, its error named by name_forward_error. */
static PyObject *run_forward(PyObject *cls, PyObject *ctx, PyObject **arrays, Py_ssize_t count)
{
    PyObject *forward = class_attribute(cls, s_forward);
    if (forward == NULL) return NULL;
    PyObject *args[3] = {ctx, count > 0 ? arrays[0] : NULL, count > 1 ? arrays[1] : NULL};
    PyObject *raw = PyObject_Vectorcall(forward, args, 1 + count, NULL);
    Py_DECREF(forward);
    if (raw == NULL) name_forward_error(cls, NULL, arrays, count);
    return raw;
}

/* The steps _apply1 and _apply2 share after forward: the output array, the anomaly check, the result
 * Tensor (with a new version counter; the caller shares a viewed input's), and whether to record it.
 * Returns the result (new reference; _unrecorded's when not recording) with *out_p and *record set. */
static PyObject *make_result(PyObject *cls, PyObject *ctx, PyObject *raw, PyObject **out_p, int needs, int *record)
{
    PyObject *out, *result = NULL, *counter = NULL;
    if (Py_TYPE(raw) == (PyTypeObject *)ndarray_type) {  /* NumPy returns scalars for 0-d results */
        out = raw;
        Py_INCREF(out);
    } else if ((out = PyObject_CallOneArg(np_asarray, raw)) == NULL) {
        return NULL;
    }
    *out_p = out;
    int anomaly = state_truth(s_anomaly);
    if (anomaly < 0) return NULL;
    if (anomaly) {
        PyObject *checked = PyObject_CallFunctionObjArgs(py_check_forward, ctx, out, NULL);
        if (checked == NULL) return NULL;
        Py_DECREF(checked);
    }
    if ((result = new_instance(Tensor_type)) == NULL) return NULL;
    if (field_set(result, &slot_data, out) < 0) goto error;
    if (field_set(result, &slot__grad, Py_None) < 0) goto error;
    if (field_set(result, &slot__hooks, Py_None) < 0) goto error;
    if ((counter = new_counter()) == NULL) goto error;
    if (field_set(result, &slot__version_counter, counter) < 0) goto error;
    Py_CLEAR(counter);
    int enabled = state_truth(s_grad_enabled);
    if (enabled < 0) goto error;
    int floating = needs && enabled ? is_floating(out) : 0;
    if (floating < 0) goto error;
    *record = floating;
    if (!floating) {
        PyObject *unrecorded = PyObject_CallFunctionObjArgs(py_unrecorded, cls, result,
                                                           needs && enabled ? Py_True : Py_False, NULL);
        Py_DECREF(result);
        return unrecorded;
    }
    return result;
error:
    Py_XDECREF(counter);
    Py_XDECREF(result);
    return NULL;
}

/* A result that views an input's data shares that input's version counter (function.py's rule for each
 * arity: `_counter_of_viewed`). `viewed` is the counter to share, or NULL for none. */
static int share_counter(PyObject *result, PyObject *viewed)
{
    if (viewed == NULL) return 0;
    return field_set(result, &slot__version_counter, viewed);
}

/* out.base, or NULL with no error when it is None */
static PyObject *base_of(PyObject *out, int *failed)
{
    PyObject *base = PyObject_GetAttr(out, s_base);
    *failed = base == NULL;
    if (base == Py_None) { Py_DECREF(base); return NULL; }
    return base;
}

/* ctx.sequence = next(_creation_order), and the collector's check (collector_pause.recorded) */
static int number_node(PyObject *ctx)
{
    PyObject *sequence = PyIter_Next(creation_order);
    if (sequence == NULL) return -1;
    int failed = field_set(ctx, &slot_sequence, sequence);
    PyObject *next_check = failed ? NULL : field_get(collector, &slot_next_check);
    int due = next_check == NULL ? -1 : PyObject_RichCompareBool(sequence, next_check, Py_GE);
    Py_XDECREF(next_check);
    Py_DECREF(sequence);
    if (due <= 0) return due;
    PyObject *rearm = class_attribute((PyObject *)Py_TYPE(collector), s_rearm);
    next_check = rearm == NULL ? NULL : field_get(collector, &slot_next_check);
    int first = next_check == NULL ? -1 : PyObject_RichCompareBool(next_check, rearm, Py_EQ);
    Py_XDECREF(rearm);
    Py_XDECREF(next_check);
    if (first < 0) return -1;
    if (first) {  /* collector_pause.recorded's first branch: the first op of a recording sets the check */
        PyObject *count = field_get(collector, &slot_ops_before_pause), *sequence = field_get(ctx, &slot_sequence);
        PyObject *check = count == NULL || sequence == NULL ? NULL : PyNumber_Add(sequence, count);
        Py_XDECREF(count);
        Py_XDECREF(sequence);
        int failed = check == NULL || field_set(collector, &slot_next_check, check) < 0;
        Py_XDECREF(check);
        return failed ? -1 : 0;
    }
    PyObject *done = PyObject_CallMethodOneArg(collector, s_recorded, ctx);
    if (done == NULL) return -1;
    Py_DECREF(done);
    return 0;
}

static PyObject *parent_of(PyObject *x, int needs)  /* (x.grad_fn or x) if needs else None */
{
    if (!needs) Py_RETURN_NONE;
    PyObject *node = field_get(x, &slot_grad_fn);
    if (node == NULL || node != Py_None) return node;
    Py_DECREF(node);
    Py_INCREF(x);
    return x;
}

static PyObject *meta_of(PyObject *array)  /* (array.shape, array.dtype) */
{
    PyObject *shape = PyObject_GetAttr(array, s_shape);
    PyObject *dtype = shape == NULL ? NULL : PyObject_GetAttr(array, s_dtype);
    PyObject *meta = dtype == NULL ? NULL : PyTuple_Pack(2, shape, dtype);
    Py_XDECREF(shape);
    Py_XDECREF(dtype);
    return meta;
}

/* if ctx.saved: the output in place of forward's raw result, and ctx.origins (ids and counters) */
static int note_saved(PyObject *ctx, PyObject *raw, PyObject *out, PyObject **inputs, PyObject **arrays,
                      Py_ssize_t count, PyObject *result)
{
    PyObject *saved = field_get(ctx, &slot_saved), *origins = NULL;
    if (saved == NULL) return -1;
    int any = PyObject_IsTrue(saved);
    if (any <= 0) { Py_DECREF(saved); return any; }
    if (out != raw) {
        PyObject *items = PySequence_Tuple(saved), *replaced = items == NULL ? NULL : PyTuple_New(PyTuple_GET_SIZE(items));
        if (replaced == NULL) { Py_XDECREF(items); goto error; }
        for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(items); i++) {
            PyObject *item = PyTuple_GET_ITEM(items, i);
            item = item == raw ? out : item;
            Py_INCREF(item);
            PyTuple_SET_ITEM(replaced, i, item);
        }
        Py_DECREF(items);
        int failed = field_set(ctx, &slot_saved, replaced);
        Py_DECREF(replaced);
        if (failed) goto error;
    }
    if ((origins = PyList_New(2 * count + 2)) == NULL) goto error;
    for (Py_ssize_t i = 0; i <= count; i++) {
        PyObject *array = i < count ? arrays[i] : out, *owner = i < count ? inputs[i] : result;
        PyObject *id = PyLong_FromVoidPtr(array);
        PyObject *counter = id == NULL ? NULL : field_get(owner, &slot__version_counter);
        if (counter == NULL) { Py_XDECREF(id); goto error; }
        PyList_SET_ITEM(origins, 2 * i, id);
        PyList_SET_ITEM(origins, 2 * i + 1, counter);
    }
    if (PyObject_SetAttr(ctx, s_origins, origins) < 0) goto error;
    Py_DECREF(origins);
    Py_DECREF(saved);
    return 0;
error:
    Py_XDECREF(origins);
    Py_DECREF(saved);
    return -1;
}

static int has_differentiable_inputs(PyObject *cls)  /* cls.differentiable_inputs is not None; -1 on error */
{
    PyObject *allowed = class_attribute(cls, s_differentiable_inputs);
    if (allowed == NULL) return -1;
    int limited = allowed != Py_None;
    Py_DECREF(allowed);
    return limited;
}

/* ---- apply1(cls, x): Function._apply1 ------------------------------------------------------------ */
static PyObject *apply1(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) { PyErr_SetString(PyExc_TypeError, "apply1(cls, x)"); return NULL; }
    PyObject *cls = args[0], *x = args[1];
    int special = has_differentiable_inputs(cls);
    if (special < 0) return NULL;
    if (!IS_TENSOR(x) || special) return PyObject_Vectorcall(py_apply1, args, 2, NULL);
    PyObject *data = NULL, *ctx = NULL, *raw = NULL, *out = NULL, *result = NULL, *counter = NULL, *node_attr = NULL;
    if ((data = field_get(x, &slot_data)) == NULL) goto error;
    if ((ctx = new_node(cls)) == NULL) goto error;
    if ((raw = run_forward(cls, ctx, &data, 1)) == NULL) goto error;
    int needs = field_truth(x, &slot_requires_grad);
    if (needs < 0) goto error;
    int record = 0, failed;
    if ((result = make_result(cls, ctx, raw, &out, needs, &record)) == NULL) goto error;
    PyObject *base = base_of(out, &failed);  /* a view of the input's data (.T, a reshape) shares its counter */
    if (failed) goto error;
    if (base != NULL) {
        PyObject *data_base = PyObject_GetAttr(data, s_base);
        if (data_base != NULL && (base == data || base == data_base))
            counter = field_get(x, &slot__version_counter);
        failed = data_base == NULL || (counter == NULL && PyErr_Occurred()) || share_counter(result, counter) < 0;
        Py_XDECREF(data_base);
        Py_DECREF(base);
        if (failed) goto error;
    }
    if (result == NULL || !record) goto done;
    if (number_node(ctx) < 0) goto error;
    if ((node_attr = parent_of(x, 1)) == NULL) goto error;
    PyObject *parents = PyTuple_Pack(1, node_attr);
    Py_CLEAR(node_attr);
    if (parents == NULL) goto error;
    failed = field_set(ctx, &slot_parents, parents);
    Py_DECREF(parents);
    if (failed) goto error;
    PyObject *needs_input = PyTuple_Pack(1, Py_True);
    failed = needs_input == NULL || field_set(ctx, &slot_needs_input_grad, needs_input) < 0;
    Py_XDECREF(needs_input);
    if (failed) goto error;
    PyObject *meta = meta_of(data), *metas = meta == NULL ? NULL : PyTuple_Pack(1, meta);
    Py_XDECREF(meta);
    failed = metas == NULL || field_set(ctx, &slot_input_meta, metas) < 0;
    Py_XDECREF(metas);
    if (failed) goto error;
    if (note_saved(ctx, raw, out, &x, &data, 1, result) < 0) goto error;
    if (field_set(result, &slot_requires_grad, Py_True) < 0) goto error;
    if (field_set(result, &slot_grad_fn, ctx) < 0) goto error;
done:
    Py_XDECREF(data); Py_XDECREF(ctx); Py_XDECREF(raw); Py_XDECREF(out); Py_XDECREF(counter);
    return result;
error:
    Py_XDECREF(node_attr);
    Py_CLEAR(result);
    goto done;
}

/* the latest cache hit, held: `y * 1.0001` in a loop passes the same float object each time */
static PyObject *last_scalar, *last_dtype, *last_constant;

/* a Python scalar beside a Tensor: function.py's cached constant (one dict lookup when cached) */
static PyObject *scalar_operand(PyObject *scalar, PyObject *tensor)
{
    PyObject *data = field_get(tensor, &slot_data);
    PyObject *dtype = data == NULL ? NULL : PyObject_GetAttr(data, s_dtype);
    Py_XDECREF(data);
    if (dtype == NULL) return NULL;
    int nonzero = PyObject_IsTrue(scalar);  /* zeros are never cached (-0.0 == 0.0 as keys) */
    if (nonzero < 0) { Py_DECREF(dtype); return NULL; }
    if (nonzero) {
        if (scalar == last_scalar && dtype == last_dtype) {
            Py_DECREF(dtype);
            Py_INCREF(last_constant);
            return last_constant;
        }
        PyObject *key = PyTuple_Pack(2, scalar, dtype);
        PyObject *cached = key == NULL ? NULL : PyDict_GetItemWithError(scalar_cache, key);
        Py_XDECREF(key);
        if (cached != NULL) {
            Py_INCREF(scalar);
            Py_XSETREF(last_scalar, scalar);
            Py_XSETREF(last_dtype, dtype);  /* takes our reference */
            Py_INCREF(cached);
            Py_XSETREF(last_constant, cached);
            Py_INCREF(cached);
            return cached;
        }
        if (PyErr_Occurred()) { Py_DECREF(dtype); return NULL; }
    }
    PyObject *constant = PyObject_CallFunctionObjArgs(py_scalar_constant, scalar, dtype, NULL);
    Py_DECREF(dtype);
    return constant;
}

/* ---- apply2(cls, a, b): Function._apply2 --------------------------------------------------------- */
static PyObject *apply2(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) { PyErr_SetString(PyExc_TypeError, "apply2(cls, a, b)"); return NULL; }
    PyObject *cls = args[0], *a = args[1], *b = args[2];
    int special = has_differentiable_inputs(cls);
    if (special < 0) return NULL;
    int a_is_tensor = IS_TENSOR(a), b_is_tensor = IS_TENSOR(b);
    PyObject *own_a = NULL, *own_b = NULL;
    if (special || !a_is_tensor || !b_is_tensor) {
        if (special) return PyObject_Vectorcall(py_apply2, args, 3, NULL);
        if (a_is_tensor && is_python_scalar(b)) {  /* `y * 0.5`, `x / n` */
            if ((own_b = scalar_operand(b, a)) == NULL) return NULL;
            b = own_b;
        } else if (b_is_tensor && is_python_scalar(a)) {  /* `0.5 * y`, `1 - y` */
            if ((own_a = scalar_operand(a, b)) == NULL) return NULL;
            a = own_a;
        } else {
            return PyObject_Vectorcall(py_apply2, args, 3, NULL);
        }
    }
    PyObject *arrays[2] = {NULL, NULL}, *inputs[2] = {a, b};
    PyObject *ctx = NULL, *raw = NULL, *out = NULL, *result = NULL, *counter = NULL;
    PyObject *parent_a = NULL, *parent_b = NULL;
    if ((arrays[0] = field_get(a, &slot_data)) == NULL) goto error;
    if ((arrays[1] = field_get(b, &slot_data)) == NULL) goto error;
    if ((ctx = new_node(cls)) == NULL) goto error;
    if ((raw = run_forward(cls, ctx, arrays, 2)) == NULL) goto error;
    int a_needs = field_truth(a, &slot_requires_grad);
    int b_needs = a_needs < 0 ? -1 : field_truth(b, &slot_requires_grad);
    if (b_needs < 0) goto error;
    int record = 0, failed;
    if ((result = make_result(cls, ctx, raw, &out, a_needs || b_needs, &record)) == NULL) goto error;
    PyObject *base = base_of(out, &failed);  /* a view of an input's data shares its version counter */
    if (failed) goto error;
    if (base != NULL) {
        PyObject *ins = PyTuple_Pack(2, a, b), *arrs = PyTuple_Pack(2, arrays[0], arrays[1]);
        if (ins != NULL && arrs != NULL)
            counter = PyObject_CallFunctionObjArgs(py_counter_of_viewed, base, ins, arrs, NULL);
        Py_XDECREF(ins);
        Py_XDECREF(arrs);
        Py_DECREF(base);
        if (counter == NULL || share_counter(result, counter) < 0) goto error;
    }
    if (result == NULL || !record) goto done;
    if (number_node(ctx) < 0) goto error;
    if ((parent_a = parent_of(a, a_needs)) == NULL || (parent_b = parent_of(b, b_needs)) == NULL) goto error;
    PyObject *parents = PyTuple_Pack(2, parent_a, parent_b);
    failed = parents == NULL || field_set(ctx, &slot_parents, parents) < 0;
    Py_XDECREF(parents);
    if (failed) goto error;
    PyObject *needs = PyTuple_Pack(2, a_needs ? Py_True : Py_False, b_needs ? Py_True : Py_False);
    failed = needs == NULL || field_set(ctx, &slot_needs_input_grad, needs) < 0;
    Py_XDECREF(needs);
    if (failed) goto error;
    PyObject *meta_a = meta_of(arrays[0]), *meta_b = meta_a == NULL ? NULL : meta_of(arrays[1]);
    PyObject *metas = meta_b == NULL ? NULL : PyTuple_Pack(2, meta_a, meta_b);
    Py_XDECREF(meta_a);
    Py_XDECREF(meta_b);
    failed = metas == NULL || field_set(ctx, &slot_input_meta, metas) < 0;
    Py_XDECREF(metas);
    if (failed) goto error;
    if (note_saved(ctx, raw, out, inputs, arrays, 2, result) < 0) goto error;
    if (field_set(result, &slot_requires_grad, Py_True) < 0) goto error;
    if (field_set(result, &slot_grad_fn, ctx) < 0) goto error;
done:
    Py_XDECREF(arrays[0]); Py_XDECREF(arrays[1]); Py_XDECREF(ctx); Py_XDECREF(raw); Py_XDECREF(out);
    Py_XDECREF(counter); Py_XDECREF(parent_a); Py_XDECREF(parent_b); Py_XDECREF(own_a); Py_XDECREF(own_b);
    return result;
error:
    Py_CLEAR(result);
    goto done;
}

/* ---- apply(cls, *inputs, **params): Function.apply ------------------------------------------------ */
static PyObject *apply(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs < 1) { PyErr_SetString(PyExc_TypeError, "apply(cls, *inputs, **params)"); return NULL; }
    PyObject *cls = args[0], *const *given = args + 1;
    Py_ssize_t count = nargs - 1, n_params = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
    PyObject *inputs = NULL, *arrays = NULL, *parents = NULL, *needs = NULL, *meta = NULL, *origins = NULL;
    PyObject *ctx = NULL, *raw = NULL, *out = NULL, *result = NULL, *params = NULL, *forward = NULL;
    PyObject *allowed = NULL;
    int requires_grad = 0, has_constant = 0;
    if ((inputs = PyTuple_New(count)) == NULL) return NULL;
    for (Py_ssize_t i = 0; i < count; i++) {
        Py_INCREF(given[i]);
        PyTuple_SET_ITEM(inputs, i, given[i]);
    }
    if ((arrays = PyList_New(0)) == NULL || (parents = PyList_New(0)) == NULL || (needs = PyList_New(0)) == NULL
            || (meta = PyList_New(0)) == NULL || (origins = PyList_New(0)) == NULL)
        goto error;
    for (Py_ssize_t i = 0; i < count; i++) {  /* one pass: arrays, parents, needs, meta, version counters */
        PyObject *x = given[i];
        if (IS_TENSOR(x)) {
            PyObject *data = field_get(x, &slot_data);
            if (data == NULL) goto error;
            PyObject *pair = meta_of(data), *id = PyLong_FromVoidPtr(data);
            PyObject *counter = field_get(x, &slot__version_counter);
            int failed = pair == NULL || id == NULL || counter == NULL || PyList_Append(arrays, data) < 0
                || PyList_Append(meta, pair) < 0 || PyList_Append(origins, id) < 0
                || PyList_Append(origins, counter) < 0;
            Py_DECREF(data); Py_XDECREF(pair); Py_XDECREF(id); Py_XDECREF(counter);
            if (failed) goto error;
            int wants = field_truth(x, &slot_requires_grad);
            if (wants < 0) goto error;
            if (wants) {
                requires_grad = 1;
                PyObject *parent = parent_of(x, 1);  /* a node is always truthy */
                failed = parent == NULL || PyList_Append(parents, parent) < 0 || PyList_Append(needs, Py_True) < 0;
                Py_XDECREF(parent);
                if (failed) goto error;
                continue;
            }
        } else {
            /* filled in once the constant is an array */
            if (PyList_Append(arrays, x) < 0 || PyList_Append(origins, Py_None) < 0
                    || PyList_Append(origins, Py_None) < 0)
                goto error;
            has_constant = 1;
        }
        if (PyList_Append(parents, Py_None) < 0 || PyList_Append(needs, Py_False) < 0) goto error;
    }
    if (has_constant) {
        PyObject *done = PyObject_CallFunctionObjArgs(py_with_constants, inputs, arrays, meta, origins, NULL);
        if (done == NULL) goto error;
        Py_DECREF(done);
    }
    if ((ctx = new_node(cls)) == NULL) goto error;
    if ((forward = class_attribute(cls, s_forward)) == NULL) goto error;
    {   /* forward(ctx, *arrays, **params) in one vectorcall */
        Py_ssize_t positional = 1 + PyList_GET_SIZE(arrays);
        PyObject **call_args = PyMem_Malloc((positional + n_params) * sizeof(PyObject *));
        if (call_args == NULL) { PyErr_NoMemory(); goto error; }
        call_args[0] = ctx;
        for (Py_ssize_t i = 1; i < positional; i++) call_args[i] = PyList_GET_ITEM(arrays, i - 1);
        for (Py_ssize_t i = 0; i < n_params; i++) call_args[positional + i] = given[count + i];
        raw = PyObject_Vectorcall(forward, call_args, positional, kwnames);
        PyMem_Free(call_args);
    }
    if (raw == NULL) {
        name_forward_error(cls, arrays, NULL, 0);
        goto error;
    }
    int record = 0, failed;
    if ((result = make_result(cls, ctx, raw, &out, requires_grad, &record)) == NULL) goto error;
    PyObject *base = base_of(out, &failed);  /* a view of an input's data shares its version counter */
    if (failed) goto error;
    if (base != NULL) {
        PyObject *counter = PyObject_CallFunctionObjArgs(py_counter_of_viewed, base, inputs, arrays, NULL);
        Py_DECREF(base);
        failed = counter == NULL || share_counter(result, counter) < 0;
        Py_XDECREF(counter);
        if (failed) goto error;
    }
    if (!record) goto done;
    if ((allowed = class_attribute(cls, s_differentiable_inputs)) == NULL) goto error;
    if (allowed != Py_None) {  /* only these positions can carry a gradient */
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(parents); i++) {
            PyObject *index = PyLong_FromSsize_t(i);
            int keep = index == NULL ? -1 : PySequence_Contains(allowed, index);
            Py_XDECREF(index);
            if (keep < 0) goto error;
            if (!keep) {
                Py_INCREF(Py_None);
                if (PyList_SetItem(parents, i, Py_None) < 0) goto error;
            }
            PyObject *flag = PyList_GET_ITEM(parents, i) != Py_None ? Py_True : Py_False;
            Py_INCREF(flag);
            if (PyList_SetItem(needs, i, flag) < 0) goto error;
        }
    }
    if (number_node(ctx) < 0) goto error;
    PyObject *items[3] = {parents, needs, meta};
    Slot *fields[3] = {&slot_parents, &slot_needs_input_grad, &slot_input_meta};
    for (int i = 0; i < 3; i++) {
        PyObject *frozen = PyList_AsTuple(items[i]);
        failed = frozen == NULL || field_set(ctx, fields[i], frozen) < 0;
        Py_XDECREF(frozen);
        if (failed) goto error;
    }
    if (n_params) {  /* most ops take none: the class's empty dict serves them */
        if ((params = PyDict_New()) == NULL) goto error;
        for (Py_ssize_t i = 0; i < n_params; i++)
            if (PyDict_SetItem(params, PyTuple_GET_ITEM(kwnames, i), given[count + i]) < 0) goto error;
        if (PyObject_SetAttr(ctx, s_params, params) < 0) goto error;
    }
    {   /* which saved arrays are inputs or the output, and the version counters backward checks */
        PyObject *saved = field_get(ctx, &slot_saved);
        if (saved == NULL) goto error;
        int any = PyObject_IsTrue(saved);
        Py_DECREF(saved);
        if (any < 0) goto error;
        if (any) {
            if (out != raw) {  /* the output array in place of forward's raw result */
                PyObject *saved_now = field_get(ctx, &slot_saved);
                PyObject *listed = saved_now == NULL ? NULL : PySequence_List(saved_now);
                Py_XDECREF(saved_now);
                if (listed == NULL) goto error;
                for (Py_ssize_t i = 0; i < PyList_GET_SIZE(listed); i++) {
                    if (PyList_GET_ITEM(listed, i) == raw) {
                        Py_INCREF(out);
                        PyList_SetItem(listed, i, out);
                    }
                }
                PyObject *replaced = PyList_AsTuple(listed);
                Py_DECREF(listed);
                failed = replaced == NULL || field_set(ctx, &slot_saved, replaced) < 0;
                Py_XDECREF(replaced);
                if (failed) goto error;
            }
            PyObject *id = PyLong_FromVoidPtr(out), *counter = field_get(result, &slot__version_counter);
            failed = id == NULL || counter == NULL || PyList_Append(origins, id) < 0
                || PyList_Append(origins, counter) < 0 || PyObject_SetAttr(ctx, s_origins, origins) < 0;
            Py_XDECREF(id);
            Py_XDECREF(counter);
            if (failed) goto error;
        }
    }
    if (field_set(result, &slot_requires_grad, Py_True) < 0) goto error;
    if (field_set(result, &slot_grad_fn, ctx) < 0) goto error;
done:
    Py_XDECREF(inputs); Py_XDECREF(arrays); Py_XDECREF(parents); Py_XDECREF(needs); Py_XDECREF(meta);
    Py_XDECREF(origins); Py_XDECREF(ctx); Py_XDECREF(raw); Py_XDECREF(out); Py_XDECREF(params);
    Py_XDECREF(forward); Py_XDECREF(allowed);
    return result;
error:
    Py_CLEAR(result);
    goto done;
}

/* ---- backward_loop: run_backward's loop, a max-heap of nodes by creation sequence ----------------- */
typedef struct { long long sequence; PyObject *node; } Entry;
typedef struct { Entry *items; Py_ssize_t count, capacity; } Heap;

static int heap_push(Heap *heap, long long sequence, PyObject *node)
{
    if (heap->count == heap->capacity) {
        Py_ssize_t capacity = heap->capacity ? 2 * heap->capacity : 64;
        Entry *items = PyMem_Realloc(heap->items, capacity * sizeof(Entry));
        if (items == NULL) { PyErr_NoMemory(); return -1; }
        heap->items = items;
        heap->capacity = capacity;
    }
    Py_ssize_t i = heap->count++;
    while (i > 0) {
        Py_ssize_t up = (i - 1) / 2;
        if (heap->items[up].sequence >= sequence) break;
        heap->items[i] = heap->items[up];
        i = up;
    }
    Py_INCREF(node);
    heap->items[i].sequence = sequence;
    heap->items[i].node = node;
    return 0;
}

static PyObject *heap_pop(Heap *heap)  /* the latest node (a new reference) */
{
    PyObject *top = heap->items[0].node;
    Entry last = heap->items[--heap->count];
    Py_ssize_t i = 0, count = heap->count;
    for (;;) {
        Py_ssize_t child = 2 * i + 1;
        if (child >= count) break;
        if (child + 1 < count && heap->items[child + 1].sequence > heap->items[child].sequence) child++;
        if (heap->items[child].sequence <= last.sequence) break;
        heap->items[i] = heap->items[child];
        i = child;
    }
    if (count) heap->items[i] = last;
    return top;
}

/* Add one input gradient to its parent's (un-broadcast and cast first); a node's first one queues it. */
static int deliver_one(PyObject *parent, PyObject *grad, PyObject *meta, PyObject *node, PyObject *grads_of,
                       Heap *heap, int anomaly)
{
    if (!PyTuple_Check(meta) || PyTuple_GET_SIZE(meta) != 2) {
        PyErr_SetString(PyExc_TypeError, "backward: a node's input_meta must hold (shape, dtype) pairs");
        return -1;
    }
    PyObject *shape = PyTuple_GET_ITEM(meta, 0), *dtype = PyTuple_GET_ITEM(meta, 1);
    Py_INCREF(grad);
    PyObject *grad_shape = PyObject_GetAttr(grad, s_shape);
    int differs = grad_shape == NULL ? -1 : PyObject_RichCompareBool(grad_shape, shape, Py_NE);
    Py_XDECREF(grad_shape);
    if (differs < 0) goto error;
    if (differs) {
        PyObject *reduced = PyObject_CallFunctionObjArgs(py_reduced_to, grad, shape, node, NULL);
        Py_SETREF(grad, reduced);
        if (grad == NULL) return -1;
    }
    PyObject *grad_dtype = PyObject_GetAttr(grad, s_dtype);
    if (grad_dtype == NULL) goto error;
    differs = grad_dtype == dtype ? 0 : PyObject_RichCompareBool(grad_dtype, dtype, Py_NE);
    Py_DECREF(grad_dtype);
    if (differs < 0) goto error;
    if (differs) {
        PyObject *cast = PyObject_CallMethodOneArg(grad, s_astype, dtype);
        Py_SETREF(grad, cast);
        if (grad == NULL) return -1;
    }
    if (anomaly && node != Py_None) {
        PyObject *checked = PyObject_CallFunctionObjArgs(py_check_delivered, grad, node, NULL);
        if (checked == NULL) goto error;
        Py_DECREF(checked);
    }
    PyObject *previous = PyDict_GetItemWithError(grads_of, parent);
    if (previous != NULL) {
        Py_INCREF(previous);
        PyObject *sum = PyNumber_Add(previous, grad);
        Py_DECREF(previous);
        int failed = sum == NULL || PyDict_SetItem(grads_of, parent, sum) < 0;
        Py_XDECREF(sum);
        Py_DECREF(grad);
        return failed ? -1 : 0;
    }
    if (PyErr_Occurred()) goto error;
    int failed = PyDict_SetItem(grads_of, parent, grad);
    Py_DECREF(grad);
    if (failed || IS_TENSOR(parent)) return failed ? -1 : 0;  /* a leaf's gradient waits in grads_of */
    PyObject *sequence = field_get(parent, &slot_sequence);
    if (sequence == NULL) return -1;
    long long number = PyLong_AsLongLong(sequence);
    Py_DECREF(sequence);
    if (number == -1 && PyErr_Occurred()) return -1;
    return heap_push(heap, number, parent);
error:
    Py_DECREF(grad);
    return -1;
}

/* Run one node: checks, hooks, its backward; its parents, input meta and input gradients come back. */
static int run_node(PyObject *node, PyObject *grads_of, PyObject *held, int retain_graph,
                    PyObject **parents, PyObject **grads, PyObject **metas)
{
    PyObject *grad = PyDict_GetItemWithError(grads_of, node);
    if (grad == NULL) {
        if (!PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, node);
        return -1;
    }
    Py_INCREF(grad);
    if (PyDict_DelItem(grads_of, node) < 0) goto error;
    int freed = field_truth(node, &slot_freed);
    if (freed < 0) goto error;
    int stale = freed;
    if (!stale) {
        PyObject *latest = class_attribute(version_clock, s_latest);
        PyObject *sequence = latest == NULL ? NULL : field_get(node, &slot_sequence);
        stale = sequence == NULL ? -1 : PyObject_RichCompareBool(latest, sequence, Py_GT);
        Py_XDECREF(latest);
        Py_XDECREF(sequence);
        if (stale < 0) goto error;
    }
    if (stale) {
        PyObject *checked = PyObject_CallOneArg(py_check_usable, node);
        if (checked == NULL) goto error;
        Py_DECREF(checked);
    }
    PyObject *hooks = field_get(node, &slot_hooks);
    if (hooks == NULL) goto error;
    if (hooks != Py_None) {  /* tensor hooks, or a retained gradient */
        PyObject *hooked = PyObject_CallFunctionObjArgs(py_node_hooks, node, grad, held, NULL);
        Py_SETREF(grad, hooked);
    }
    Py_DECREF(hooks);
    if (grad == NULL) return -1;
    PyObject *backward = class_attribute((PyObject *)Py_TYPE(node), s_backward);
    if (backward == NULL) goto error;
    PyObject *call_args[2] = {node, grad};
    PyObject *result = PyObject_Vectorcall(backward, call_args, 2, NULL);
    Py_DECREF(backward);
    Py_CLEAR(grad);
    if (result == NULL) return -1;
    if (!PyTuple_CheckExact(result)) {
        PyObject *packed = PyTuple_Pack(1, result);
        Py_SETREF(result, packed);
        if (result == NULL) return -1;
    }
    *grads = result;
    if ((*parents = field_get(node, &slot_parents)) == NULL) return -1;
    if ((*metas = field_get(node, &slot_input_meta)) == NULL) return -1;
    Py_ssize_t expected = PyObject_Length(*parents);
    if (expected < 0) return -1;
    if (PyTuple_GET_SIZE(result) != expected) {
        PyObject *refused = PyObject_CallFunctionObjArgs(py_refuse_count, node, result, NULL);
        Py_XDECREF(refused);
        return -1;
    }
    if (!retain_graph) {  /* free the saved values: a second backward through the node is refused */
        if (field_set(node, &slot_saved, empty_tuple) < 0) return -1;
        if (field_set(node, &slot_freed, Py_True) < 0) return -1;
    }
    return 0;
error:
    Py_XDECREF(grad);
    return -1;
}

/* backward_loop(parents, grads, input_meta, grads_of, held, retain_graph, anomaly): deliver the roots'
 * gradients, then run the latest node whose gradient is complete until none is left. Leaf gradients
 * stay in grads_of for the caller. */
static PyObject *backward_loop(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "backward_loop takes 7 arguments");
        return NULL;
    }
    PyObject *grads_of = args[3], *held = args[4];
    if (!PyDict_Check(grads_of)) { PyErr_SetString(PyExc_TypeError, "backward_loop: grads_of must be a dict"); return NULL; }
    int retain_graph = PyObject_IsTrue(args[5]), anomaly = PyObject_IsTrue(args[6]);
    if (retain_graph < 0 || anomaly < 0) return NULL;
    Heap heap = {NULL, 0, 0};
    PyObject *node = Py_None, *parents = args[0], *grads = args[1], *metas = args[2], *answer = NULL;
    Py_INCREF(node); Py_INCREF(parents); Py_INCREF(grads); Py_INCREF(metas);
    for (;;) {
        PyObject *parent_items = PySequence_Fast(parents, "backward: parents");
        PyObject *grad_items = parent_items == NULL ? NULL : PySequence_Fast(grads, "backward: gradients");
        PyObject *meta_items = grad_items == NULL ? NULL : PySequence_Fast(metas, "backward: input_meta");
        int failed = meta_items == NULL;
        if (!failed) {
            Py_ssize_t count = PySequence_Fast_GET_SIZE(parent_items);  /* zip: the shortest decides */
            if (PySequence_Fast_GET_SIZE(grad_items) < count) count = PySequence_Fast_GET_SIZE(grad_items);
            if (PySequence_Fast_GET_SIZE(meta_items) < count) count = PySequence_Fast_GET_SIZE(meta_items);
            for (Py_ssize_t i = 0; i < count && !failed; i++) {
                PyObject *parent = PySequence_Fast_GET_ITEM(parent_items, i);
                PyObject *grad = PySequence_Fast_GET_ITEM(grad_items, i);
                if (parent == Py_None || grad == Py_None) continue;
                failed = deliver_one(parent, grad, PySequence_Fast_GET_ITEM(meta_items, i), node, grads_of,
                                     &heap, anomaly) < 0;
            }
        }
        Py_XDECREF(parent_items); Py_XDECREF(grad_items); Py_XDECREF(meta_items);
        Py_CLEAR(parents); Py_CLEAR(grads); Py_CLEAR(metas);
        if (failed) goto done;
        if (heap.count == 0) break;
        Py_SETREF(node, heap_pop(&heap));
        if (run_node(node, grads_of, held, retain_graph, &parents, &grads, &metas) < 0) goto done;
    }
    answer = Py_None;
    Py_INCREF(answer);
done:
    for (Py_ssize_t i = 0; i < heap.count; i++) Py_DECREF(heap.items[i].node);
    PyMem_Free(heap.items);
    Py_XDECREF(node); Py_XDECREF(parents); Py_XDECREF(grads); Py_XDECREF(metas);
    return answer;
}

/* ---- accumulate(leaf_grads, held): _accumulate_into_leaves without create_graph -------------------- */

/* a writable view whose base nothing else references: storing it shares memory with nothing */
static int exclusive_view(PyObject *grad, PyObject *base)
{
    PyObject *flags = PyObject_GetAttr(grad, s_flags);
    int writeable = flags == NULL ? -1 : truth_of(flags, s_writeable);
    Py_XDECREF(flags);
    if (writeable <= 0) return writeable;
    return Py_REFCNT(base) <= 2;  /* the view's .base and our own reference, as getrefcount counts in Python */
}

static int accumulate_one(PyObject *leaf, PyObject *grad, PyObject *held, PyObject *restore)
{
    PyObject *base = PyObject_GetAttr(grad, s_base), *key = NULL, *previous = NULL, *counter = NULL;
    PyObject *accumulated = NULL;
    if (base == NULL) return -1;
    Py_INCREF(grad);
    int copy = 0;
    if (base != Py_None) {
        int exclusive = exclusive_view(grad, base);
        if (exclusive < 0) goto error;
        copy = !exclusive;
    }
    Py_CLEAR(base);
    if (!copy) {
        if ((key = PyLong_FromVoidPtr(grad)) == NULL) goto error;
        copy = PySet_Contains(held, key);
        Py_CLEAR(key);
        if (copy < 0) goto error;
    }
    if (copy) {  /* .grad owns its buffer: never shared with another gradient */
        PyObject *copied = PyObject_CallMethodNoArgs(grad, s_copy);
        Py_SETREF(grad, copied);
        if (grad == NULL) return -1;
    }
    if ((key = PyLong_FromVoidPtr(grad)) == NULL || PySet_Add(held, key) < 0) goto error;  /* a .grad holds its own */
    Py_CLEAR(key);
    if ((previous = field_get(leaf, &slot__grad)) == NULL) goto error;
    if (previous != Py_None) {  /* a second backward adds to .grad */
        if (PyDict_SetItem(restore, leaf, previous) < 0) goto error;
        PyObject *old_shape = PyObject_GetAttr(previous, s_shape);
        PyObject *new_shape = old_shape == NULL ? NULL : PyObject_GetAttr(grad, s_shape);
        int differs = new_shape == NULL ? -1 : PyObject_RichCompareBool(old_shape, new_shape, Py_NE);
        Py_XDECREF(old_shape);
        Py_XDECREF(new_shape);
        if (differs < 0) goto error;
        if (differs) {
            PyObject *refused = PyObject_CallFunctionObjArgs(py_check_accumulation, previous, grad, NULL);
            Py_XDECREF(refused);
            if (refused == NULL) goto error;
        }
        PyObject *old = field_get(previous, &slot_data);
        PyObject *sum = old == NULL ? NULL : PyNumber_Add(old, grad);
        Py_XDECREF(old);
        Py_SETREF(grad, sum);
        if (grad == NULL) goto error;
    }
    if ((accumulated = new_instance(Tensor_type)) == NULL) goto error;
    if (field_set(accumulated, &slot_data, grad) < 0) goto error;
    if (field_set(accumulated, &slot_requires_grad, Py_False) < 0) goto error;
    if (field_set(accumulated, &slot__grad, Py_None) < 0) goto error;
    if (field_set(accumulated, &slot_grad_fn, Py_None) < 0) goto error;
    if (field_set(accumulated, &slot__hooks, Py_None) < 0) goto error;
    if ((counter = new_counter()) == NULL) goto error;
    if (field_set(accumulated, &slot__version_counter, counter) < 0) goto error;
    if (field_set(leaf, &slot__grad, accumulated) < 0) goto error;  /* the engine's own gradients match by construction: no setter check */
    Py_DECREF(counter);
    Py_DECREF(accumulated);
    Py_DECREF(previous);
    Py_DECREF(grad);
    return 0;
error:
    Py_XDECREF(base); Py_XDECREF(key); Py_XDECREF(previous); Py_XDECREF(counter); Py_XDECREF(accumulated);
    Py_XDECREF(grad);
    return -1;
}

static PyObject *accumulate(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_Check(args[0]) || !PyAnySet_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "accumulate(leaf_grads: dict, held: set)");
        return NULL;
    }
    PyObject *leaf_grads = args[0], *held = args[1], *restore = PyDict_New(), *leaf, *grad;
    if (restore == NULL) return NULL;
    Py_ssize_t position = 0;
    while (PyDict_Next(leaf_grads, &position, &leaf, &grad)) {
        Py_INCREF(leaf);
        Py_INCREF(grad);
        int failed = accumulate_one(leaf, grad, held, restore);
        Py_DECREF(grad);
        if (failed) {  /* all or nothing: the leaves before this one get their .grad back */
            PyObject *type, *value, *traceback, *done, *ignored;
            PyErr_Fetch(&type, &value, &traceback);
            Py_ssize_t again = 0;
            while (PyDict_Next(leaf_grads, &again, &done, &ignored) && done != leaf) {
                PyObject *kept = PyDict_GetItem(restore, done);
                if (field_set(done, &slot__grad, kept != NULL ? kept : Py_None) < 0) PyErr_Clear();
            }
            PyErr_Restore(type, value, traceback);
            Py_DECREF(leaf);
            Py_DECREF(restore);
            return NULL;
        }
        Py_DECREF(leaf);
    }
    Py_DECREF(restore);
    Py_RETURN_NONE;
}

/* ---- backward_plain(roots, root_grads, retain_graph): run_backward without create_graph or capture ---- */

/* collector_pause.backward_ended(), with end(graph_alive=True)'s first lines when no pause is active */
static int backward_ended(void)
{
    PyObject *depth = field_get(collector, &slot_backward_depth);
    PyObject *fewer = depth == NULL ? NULL : PyNumber_Subtract(depth, one);
    Py_XDECREF(depth);
    if (fewer == NULL) return -1;
    int failed = field_set(collector, &slot_backward_depth, fewer) < 0;
    int outermost = failed ? -1 : PyObject_Not(fewer);
    Py_DECREF(fewer);
    if (outermost <= 0) return outermost;
    int active = field_truth(collector, &slot_active);
    if (active < 0) return -1;
    if (!active) {  /* count the next recording from zero */
        PyObject *rearm = class_attribute((PyObject *)Py_TYPE(collector), s_rearm);
        failed = rearm == NULL || field_set(collector, &slot_next_check, rearm) < 0;
        Py_XDECREF(rearm);
        return failed ? -1 : 0;
    }
    PyObject *ended = PyObject_CallMethodOneArg(collector, s_end, Py_True);  /* end(graph_alive=True) */
    Py_XDECREF(ended);
    return ended == NULL ? -1 : 0;
}

static PyObject *backward_plain(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "backward_plain(roots, root_grads, retain_graph)");
        return NULL;
    }
    PyObject *held = PySet_New(NULL), *grads_of = PyDict_New(), *anomaly = NULL, *previous_mode = NULL;
    PyObject *parents = NULL, *metas = NULL, *items = NULL, *looped = NULL, *answer = NULL;
    if (held == NULL || grads_of == NULL) goto cleanup;
    if ((anomaly = state_get(s_anomaly)) == NULL) goto cleanup;
    /* grad mode is on during the backward only for higher order */
    if ((previous_mode = state_get(s_grad_enabled)) == NULL) goto cleanup;
    if (state_set(s_grad_enabled, Py_False) < 0) goto cleanup;
    {
        PyObject *depth = field_get(collector, &slot_backward_depth);
        PyObject *more = depth == NULL ? NULL : PyNumber_Add(depth, one);
        Py_XDECREF(depth);
        int failed = more == NULL || field_set(collector, &slot_backward_depth, more) < 0;
        Py_XDECREF(more);
        if (failed) {  /* before the `try`: only grad mode to restore */
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            if (state_set(s_grad_enabled, previous_mode) < 0) PyErr_Clear();
            PyErr_Restore(type, value, traceback);
            goto cleanup;
        }
    }
    /* try: the roots' gradients are delivered like any node's, to the root's node or to a leaf root */
    if ((items = PySequence_Fast(args[0], "backward: roots")) != NULL && (parents = PyList_New(0)) != NULL
            && (metas = PyList_New(0)) != NULL) {
        int failed = 0;
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(items) && !failed; i++) {
            PyObject *root = PySequence_Fast_GET_ITEM(items, i);
            PyObject *parent = parent_of(root, 1), *data = field_get(root, &slot_data);
            PyObject *meta = data == NULL ? NULL : meta_of(data);
            failed = parent == NULL || meta == NULL || PyList_Append(parents, parent) < 0
                || PyList_Append(metas, meta) < 0;
            Py_XDECREF(parent); Py_XDECREF(data); Py_XDECREF(meta);
        }
        if (!failed) {
            PyObject *loop_args[7] = {parents, args[1], metas, grads_of, held, args[2], anomaly};
            looped = backward_loop(module, loop_args, 7);
        }
    }
    {   /* finally: grad mode back, and the collector's pause ended by the outermost backward */
        PyObject *type, *value, *traceback;
        PyErr_Fetch(&type, &value, &traceback);
        int failed = state_set(s_grad_enabled, previous_mode) < 0 || backward_ended() < 0;
        if (failed) {  /* an error in `finally` replaces the pending one, as in Python */
            Py_XDECREF(type); Py_XDECREF(value); Py_XDECREF(traceback);
            goto cleanup;
        }
        PyErr_Restore(type, value, traceback);
    }
    if (looped == NULL) goto cleanup;
    PyObject *registered = class_attribute(leaf_hooks, s_registered);
    int hooked = registered == NULL ? -1 : PyObject_IsTrue(registered);
    Py_XDECREF(registered);
    if (hooked < 0) goto cleanup;
    if (hooked) {  /* some leaf was given a hook: _accumulate_into_leaves runs leaf hooks first */
        answer = PyObject_CallFunctionObjArgs(py_accumulate_into_leaves, grads_of, Py_False, held, NULL);
    } else {
        PyObject *accumulate_args[2] = {grads_of, held};
        answer = accumulate(module, accumulate_args, 2);
    }
cleanup:
    Py_XDECREF(held); Py_XDECREF(grads_of); Py_XDECREF(anomaly); Py_XDECREF(previous_mode);
    Py_XDECREF(parents); Py_XDECREF(metas); Py_XDECREF(items); Py_XDECREF(looped);
    return answer;
}

/* ---- backward(tensor, grad=None, retain_graph=False, create_graph=False): engine.backward -------------- */
/* The common calls (`loss.backward()` on a 0-d loss, `y.backward(array_or_tensor)`, positional arguments,
 * no create_graph) are translated; every other call, and every error, is engine.backward's own. */
static PyObject *backward_plain(PyObject *module, PyObject *const *args, Py_ssize_t nargs);

static PyObject *root_gradient(PyObject *tensor, PyObject *grad)  /* _root_grad's common cases, or NULL */
{
    PyObject *data = field_get(tensor, &slot_data), *dtype = NULL, *given = NULL;
    if (data == NULL) return NULL;
    if ((dtype = PyObject_GetAttr(data, s_dtype)) == NULL) goto done;
    if (grad == Py_None) {  /* a 0-d loss: its seed is np.array(1, dtype) */
        PyObject *ndim = PyObject_GetAttr(data, s_ndim);
        int scalar = ndim == NULL ? -1 : PyObject_RichCompareBool(ndim, zero, Py_EQ);
        Py_XDECREF(ndim);
        if (scalar == 1) {
            PyObject *call_args[2] = {one, dtype};
            given = PyObject_Vectorcall(np_array, call_args, 2, NULL);
        }
        goto done;
    }
    PyObject *source = NULL;
    if (IS_TENSOR(grad)) source = field_get(grad, &slot_data);
    else if (Py_TYPE(grad) == (PyTypeObject *)ndarray_type) { source = grad; Py_INCREF(source); }
    else goto done;
    if (source == NULL) goto done;
    {   /* one call converts, casts and copies: backward never writes into the caller's array */
        PyObject *call_args[2] = {source, dtype};
        given = PyObject_Vectorcall(np_array, call_args, 2, NULL);
        Py_DECREF(source);
    }
    if (given != NULL) {
        PyObject *shape = PyObject_GetAttr(given, s_shape), *wanted = PyObject_GetAttr(data, s_shape);
        int same = shape == NULL || wanted == NULL ? -1 : PyObject_RichCompareBool(shape, wanted, Py_EQ);
        Py_XDECREF(shape);
        Py_XDECREF(wanted);
        if (same != 1) Py_CLEAR(given);  /* the wrong shape: engine.backward says so */
    }
done:
    PyErr_Clear();  /* anything unusual is left to engine.backward, which gives the error itself */
    Py_DECREF(data);
    Py_XDECREF(dtype);
    return given;
}

static PyObject *backward(PyObject *module, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    if (kwnames != NULL || nargs < 1 || nargs > 4) return PyObject_Vectorcall(py_backward, args, nargs, kwnames);
    PyObject *tensor = args[0], *grad = nargs > 1 ? args[1] : Py_None, *retain = nargs > 2 ? args[2] : Py_False;
    int create = nargs > 3 ? PyObject_IsTrue(args[3]) : 0;
    if (create < 0) return NULL;
    int wants = create ? 0 : IS_TENSOR(tensor) ? field_truth(tensor, &slot_requires_grad) : 0;
    if (wants < 0) return NULL;
    PyObject *root = wants ? root_gradient(tensor, grad) : NULL;
    if (root == NULL) return PyObject_Vectorcall(py_backward, args, nargs, NULL);
    PyObject *roots = PyList_New(1), *grads = PyList_New(1), *answer = NULL;
    if (roots != NULL && grads != NULL) {
        Py_INCREF(tensor);
        PyList_SET_ITEM(roots, 0, tensor);
        Py_INCREF(root);
        PyList_SET_ITEM(grads, 0, root);
        PyObject *plain_args[3] = {roots, grads, retain};
        answer = backward_plain(module, plain_args, 3);
    }
    Py_XDECREF(roots);
    Py_XDECREF(grads);
    Py_DECREF(root);
    return answer;
}

/* ---- set_grad(tensor, value): the `.grad` setter, Tensor._set_grad; None needs no check ------------------ */
static PyObject *set_grad(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs == 2 && args[1] == Py_None && IS_TENSOR(args[0])) {
        if (field_set(args[0], &slot__grad, Py_None) < 0) return NULL;
        Py_RETURN_NONE;
    }
    return PyObject_Vectorcall(py_set_grad, args, nargs, NULL);
}

/* ---- operator(name, cls, reflected, unary): a Tensor operator that calls apply2/apply1 directly -------------
 * tensor.py's `def __mul__(self, other): return _mul(self, other)` costs a Python frame per op, entered
 * from C. An Operator is a method descriptor (like a Python function, it is called unbound with self
 * first), so `y * w` reaches apply2(Mul, y, w) with no frame and no bound method in between. */
typedef struct {
    PyObject_HEAD
    PyObject *name;  /* "__mul__": its __name__ and __qualname__ */
    PyObject *cls;  /* the op class */
    int reflected;  /* __rmul__ and the like: the op gets (other, self) */
    int unary;      /* __neg__: apply1(cls, self) */
    vectorcallfunc vectorcall;
} OperatorObject;

static PyObject *Operator_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames)
{
    OperatorObject *op = (OperatorObject *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || nargs != (op->unary ? 1 : 2)) {
        PyErr_Format(PyExc_TypeError, "%s operator takes %d argument%s", ((PyTypeObject *)op->cls)->tp_name,
                     op->unary ? 1 : 2, op->unary ? "" : "s");
        return NULL;
    }
    if (op->unary) {
        PyObject *call_args[2] = {op->cls, args[0]};
        return apply1(NULL, call_args, 2);
    }
    PyObject *call_args[3] = {op->cls, args[op->reflected], args[!op->reflected]};
    return apply2(NULL, call_args, 3);
}

static PyObject *Operator_get(PyObject *self, PyObject *obj, PyObject *type)  /* tensor.__mul__: bound */
{
    if (obj == NULL || obj == Py_None) {
        Py_INCREF(self);
        return self;
    }
    return PyMethod_New(self, obj);
}

static int Operator_traverse(OperatorObject *self, visitproc visit, void *arg)
{
    Py_VISIT(self->name);
    Py_VISIT(self->cls);
    return 0;
}

static void Operator_dealloc(OperatorObject *self)
{
    PyObject_GC_UnTrack(self);
    Py_CLEAR(self->name);
    Py_CLEAR(self->cls);
    PyObject_GC_Del(self);
}

static PyObject *Operator_repr(OperatorObject *self)
{
    return PyUnicode_FromFormat("<gradsight operator %U: %s>", self->name, ((PyTypeObject *)self->cls)->tp_name);
}

static PyMemberDef Operator_members[] = {
    {"__name__", T_OBJECT, offsetof(OperatorObject, name), READONLY, NULL},
    {"__qualname__", T_OBJECT, offsetof(OperatorObject, name), READONLY, NULL},
    {NULL},
};

static PyTypeObject Operator_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "autograd._core.Operator",
    .tp_basicsize = sizeof(OperatorObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_METHOD_DESCRIPTOR | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "A Tensor operator that records its op through the compiled core (autograd/compiled.py).",
    .tp_vectorcall_offset = offsetof(OperatorObject, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_descr_get = Operator_get,
    .tp_traverse = (traverseproc)Operator_traverse,
    .tp_dealloc = (destructor)Operator_dealloc,
    .tp_repr = (reprfunc)Operator_repr,
    .tp_members = Operator_members,
};

static PyObject *operator(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    int reflected, unary;
    if (nargs != 4 || !PyUnicode_Check(args[0]) || !PyType_Check(args[1])
            || (reflected = PyObject_IsTrue(args[2])) < 0 || (unary = PyObject_IsTrue(args[3])) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "operator(name: str, cls: type, reflected: bool, unary: bool)");
        return NULL;
    }
    OperatorObject *op = PyObject_GC_New(OperatorObject, &Operator_Type);
    if (op == NULL) return NULL;
    Py_INCREF(args[0]);
    op->name = args[0];
    Py_INCREF(args[1]);
    op->cls = args[1];
    op->reflected = reflected && !unary;
    op->unary = unary;
    op->vectorcall = Operator_vectorcall;
    PyObject_GC_Track(op);
    return (PyObject *)op;
}

/* as_method(function): a builtin function that binds `self` as a class attribute (Tensor.backward) */
static PyObject *as_method(PyObject *module, PyObject *function)
{
    return PyInstanceMethod_New(function);
}

/* ---- bind(namespace): the Python objects and helpers the functions above use --------------------- */
static PyObject *bind(PyObject *module, PyObject *names)
{
    struct { PyObject **slot; const char *key; } wanted[] = {
        {&Tensor_type, "Tensor"}, {&ndarray_type, "ndarray"}, {&np_asarray, "asarray"},
        {&grad_state, "grad_state"}, {&collector, "collector_pause"}, {&creation_order, "creation_order"},
        {&native_floats, "native_floats"}, {&scalar_cache, "scalar_constants"}, {&version_clock, "version_clock"},
        {&py_apply1, "apply1"}, {&py_apply2, "apply2"}, {&py_scalar_constant, "scalar_constant"},
        {&py_forward_error, "forward_error"}, {&py_check_forward, "check_forward"},
        {&py_counter_of_viewed, "counter_of_viewed"}, {&py_unrecorded, "unrecorded"},
        {&py_reduced_to, "reduced_to"}, {&py_check_delivered, "check_delivered"},
        {&py_check_usable, "check_usable"}, {&py_node_hooks, "node_hooks"},
        {&py_refuse_count, "refuse_count"}, {&py_check_accumulation, "check_accumulation"},
        {&py_with_constants, "with_constants"}, {&py_accumulate_into_leaves, "accumulate_into_leaves"},
        {&leaf_hooks, "leaf_hooks"}, {&py_backward, "backward"}, {&py_set_grad, "set_grad"}, {&np_array, "array"},
        {&Function_type, "Function"},
    };
    if (!PyDict_Check(names)) { PyErr_SetString(PyExc_TypeError, "bind(names: dict)"); return NULL; }
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        PyObject *value = PyDict_GetItemString(names, wanted[i].key);
        if (value == NULL) return PyErr_Format(PyExc_KeyError, "bind: %s is missing", wanted[i].key);
    }
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        PyObject *value = PyDict_GetItemString(names, wanted[i].key);
        Py_INCREF(value);
        Py_XSETREF(*wanted[i].slot, value);
    }
    if (!PyType_Check(Tensor_type) || !PyType_Check(ndarray_type) || !PyDict_Check(scalar_cache)
            || !PyAnySet_Check(native_floats)) {
        PyErr_SetString(PyExc_TypeError, "bind: Tensor and ndarray must be types, scalar_constants a dict "
                        "and native_floats a set");
        return NULL;
    }
    if (!PyType_Check(Function_type)) {
        PyErr_SetString(PyExc_TypeError, "bind: Function must be a type");
        return NULL;
    }
    Py_INCREF(Py_TYPE(collector));
    Py_XSETREF(collector_type, (PyObject *)Py_TYPE(collector));
    native_state = Py_IS_TYPE(grad_state, &GradState_Type);
    if (find_slots() < 0) return NULL;
    Py_RETURN_NONE;
}

static PyMethodDef core_methods[] = {
    {"apply", (PyCFunction)(void (*)(void))apply, METH_FASTCALL | METH_KEYWORDS,
     "Function.apply(cls, *inputs, **params), compiled."},
    {"apply1", (PyCFunction)(void (*)(void))apply1, METH_FASTCALL, "Function._apply1(cls, x), compiled."},
    {"apply2", (PyCFunction)(void (*)(void))apply2, METH_FASTCALL, "Function._apply2(cls, a, b), compiled."},
    {"accumulate", (PyCFunction)(void (*)(void))accumulate, METH_FASTCALL,
     "_accumulate_into_leaves without create_graph: (leaf_grads, held)."},
    {"backward", (PyCFunction)(void (*)(void))backward, METH_FASTCALL | METH_KEYWORDS,
     "backward(tensor, grad=None, retain_graph=False, create_graph=False)\n--\n\n"
     "Accumulate the gradient of `tensor` into `.grad` of every leaf that requires it (Tensor.backward; "
     "the compiled core's translation of autograd.engine.backward)."},
    {"set_grad", (PyCFunction)(void (*)(void))set_grad, METH_FASTCALL, "Tensor._set_grad(tensor, value), compiled."},
    {"as_method", as_method, METH_O, "A function that binds self as a class attribute."},
    {"operator", (PyCFunction)(void (*)(void))operator, METH_FASTCALL,
     "operator(name, cls, reflected, unary): a Tensor operator recording `cls` through apply2 (apply1 if unary)."},
    {"backward_plain", (PyCFunction)(void (*)(void))backward_plain, METH_FASTCALL,
     "run_backward without create_graph or capture: (roots, root_grads, retain_graph)."},
    {"bind", bind, METH_O, "Hand over the Python objects and helpers (autograd/compiled.py calls it)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef core_module = {
    PyModuleDef_HEAD_INIT, "_core", "gradsight's compiled core (see autograd/compiled.py).", -1, core_methods,
    NULL, NULL, NULL, NULL,
};

#ifndef GRADSIGHT_CORE_HASH
#define GRADSIGHT_CORE_HASH "unknown"
#endif

PyMODINIT_FUNC PyInit__core(void)
{
    struct { PyObject **slot; const char *text; } names[] = {
        {&s_forward, "forward"}, {&s_backward, "backward"}, {&s_anomaly, "anomaly"},
        {&s_grad_enabled, "grad_enabled"}, {&s_base, "base"}, {&s_dtype, "dtype"}, {&s_shape, "shape"},
        {&s_kind, "kind"}, {&s_f, "f"}, {&s_recorded, "recorded"}, {&s_origins, "origins"},
        {&s_differentiable_inputs, "differentiable_inputs"}, {&s_latest, "latest"}, {&s_astype, "astype"},
        {&s_copy, "copy"}, {&s_flags, "flags"}, {&s_writeable, "writeable"}, {&s_params, "params"},
        {&s_end, "end"}, {&s_rearm, "rearm"}, {&s_registered, "registered"}, {&s_ndim, "ndim"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((*names[i].slot = PyUnicode_InternFromString(names[i].text)) == NULL) return NULL;
    if ((empty_tuple = PyTuple_New(0)) == NULL || (minus_one = PyLong_FromLong(-1)) == NULL
            || (zero = PyLong_FromLong(0)) == NULL || (one = PyLong_FromLong(1)) == NULL)
        return NULL;
    if (PyType_Ready(&GradState_Type) < 0 || PyType_Ready(&Operator_Type) < 0) return NULL;
    PyObject *module = PyModule_Create(&core_module);
    if (module != NULL && PyModule_AddObjectRef(module, "GradState", (PyObject *)&GradState_Type) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    /* the hash of the source this was built from: autograd/compiled.py refuses a stale build */
    if (module != NULL && PyModule_AddStringConstant(module, "source_hash", GRADSIGHT_CORE_HASH) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
