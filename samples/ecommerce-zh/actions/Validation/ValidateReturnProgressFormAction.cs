using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_return_progress_form: order_id must name an existing order (whether it has a return is action_check_return's answer).</summary>
public sealed class ValidateReturnProgressFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "return_progress_form";

    public IReadOnlyDictionary<string, object?> validate_order_id(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain) =>
        OrderIdValidation.AnyOrder(value, orders, dispatcher);
}
