"""Source text a parser and an emitter must survive: one-line functions, semicolons, backslashes,
comments inside expressions, unicode names, nested parentheses across lines, odd spacing, string
annotations, a docstring that is not first, lambdas with defaults, very long expressions."""

import numpy as np

from . import M, S, T, V, V3, VP, Registry

CASES = Registry("syntax")


def one_line_function(x): return np.sum(x ** 2) * 3.0  # noqa: E704


CASES.add(one_line_function, V)


def semicolons(x):
    a = x * 2.0; b = a + 1.0; c = np.sin(b)  # noqa: E702
    return np.sum(c * a)


CASES.add(semicolons, V)


def backslash_continuation(x):
    y = x * 2.0 + \
        np.sin(x) - \
        x ** 2
    return np.sum(y)


CASES.add(backslash_continuation, V)


def comments_inside_expression(x):
    y = (x  # the input
         * 3.0  # scaled
         + np.exp(x))  # plus its exponential
    return np.sum(y)


CASES.add(comments_inside_expression, V)


def unicode_identifiers(x):
    α = 2.0
    β_weight = np.cos(x)
    return np.sum(α * β_weight * x)


CASES.add(unicode_identifiers, V)


def nested_parentheses_multiline(x):
    return np.sum(
        (
            (x + 1.0)
            * (
                (x - 2.0)
                / (x ** 2 + 3.0)
            )
        )
        ** 2
    )


CASES.add(nested_parentheses_multiline, V)


def odd_spacing   (  x  ,y  )  :
    return np.sum(  x*y  +  x  **  2  )


CASES.add(odd_spacing, V, VP, wrt=(0, 1))


def string_annotations(x: "np.ndarray", k: "float" = 2.0) -> "float":
    return np.sum(x ** k)


CASES.add(string_annotations, VP)


def docstring_not_first(x):
    y = x * 2.0
    """This string is an expression statement in the middle of the body."""
    return np.sum(y ** 2)


CASES.add(docstring_not_first, V)


def lambda_with_default_argument(x):
    f = lambda v, k=3.0: v * k   # noqa: E731
    return np.sum(f(x) ** 2)


CASES.add(lambda_with_default_argument, V)


def long_expression(x):
    return np.sum(x + x * 2.0 - x / 3.0 + x ** 2 * 0.5 - np.sin(x) * np.cos(x) + np.tanh(x) * x - x * x * x / 7.0
                  + np.exp(-x ** 2) + np.log1p(x ** 2) * 0.25 - np.sqrt(x ** 2 + 1.0) + np.arctan(x) * 2.0
                  + (x + 1.0) * (x - 1.0) * 0.125 + np.sinh(x * 0.5) - np.cosh(x * 0.25))


CASES.add(long_expression, V)


def tabs_and_trailing_whitespace(x):
    y = x * 2.0    
    return np.sum(y ** 2)  	


CASES.add(tabs_and_trailing_whitespace, V)


def implicit_string_concatenation_in_print(x):
    print("the value "
          "is", np.sum(x))
    return np.sum(x ** 3)


CASES.add(implicit_string_concatenation_in_print, V)


def keyword_named_like_builtins_in_call(x):
    return np.sum(np.clip(x, a_min=-0.5, a_max=0.9) ** 2) + np.sum(np.sum(x, axis=None, keepdims=False))


CASES.add(keyword_named_like_builtins_in_call, V)


def parenthesised_targets(x):
    (a) = x * 2.0
    (b, c) = (a + 1.0, a - 1.0)
    [d, e] = [b * c, b + c]
    return np.sum(d + e)


CASES.add(parenthesised_targets, V)


def numeric_literal_forms(x):
    return np.sum(x * 1_000.0e-3 + x * 0x2 + x * 1e0 + x * .5 + x * 2.)


CASES.add(numeric_literal_forms, V)


def empty_lines_and_pass(x):

    y = x * 2.0

    pass

    return np.sum(y ** 2)


CASES.add(empty_lines_and_pass, V)


def ellipsis_statement(x):
    ...
    return np.sum(x ** 2)


CASES.add(ellipsis_statement, V)


def global_name_with_dunder(x):
    return np.sum(x) * len(__name__) * 0.0 + np.sum(x ** 2)


CASES.add(global_name_with_dunder, V)


def very_long_name_for_a_function_that_computes_a_loss_value_of_its_input_array(x):
    intermediate_value_with_a_long_descriptive_name = np.exp(x) * 2.0
    return np.sum(intermediate_value_with_a_long_descriptive_name)


CASES.add(very_long_name_for_a_function_that_computes_a_loss_value_of_its_input_array, V)
