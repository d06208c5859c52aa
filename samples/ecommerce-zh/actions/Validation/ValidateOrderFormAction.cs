using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_order_form: order_id must name an existing order.</summary>
public sealed class ValidateOrderFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "order_form";

    public IReadOnlyDictionary<string, object?> validate_order_id(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain) =>
        OrderIdValidation.AnyOrder(value, orders, dispatcher);
}
