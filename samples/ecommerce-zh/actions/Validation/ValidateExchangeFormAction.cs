using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>
/// validate_exchange_form: an order the customer has received (one not delivered yet has nothing to exchange, a
/// cancelled one nothing at all), and one of the 6 exchange reasons.
/// </summary>
public sealed class ValidateExchangeFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "exchange_form";

    public IReadOnlyDictionary<string, object?> validate_order_id(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
    {
        var output = new Reply(dispatcher);
        if (OrderIdValidation.Validate(value, orders, output) is not { } order) return output.Slots;
        if (order.Status == OrderStatus.Cancelled)
            output.Utter(Response.ExchangeNotAllowedCancelled).Set(Slot.OrderId, null);
        else if (order.Status != OrderStatus.Delivered)
            output.Utter(Response.ExchangeNotDelivered).Set(Slot.OrderId, null);
        else
            output.Set(Slot.OrderId, order.Id);
        return output.Slots;
    }

    public IReadOnlyDictionary<string, object?> validate_exchange_reason(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain) =>
        OrderIdValidation.OneOf(Slot.ExchangeReason, value, Slot.ExchangeReasons);
}
