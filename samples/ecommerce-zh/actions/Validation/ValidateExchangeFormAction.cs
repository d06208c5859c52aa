using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>
/// validate_exchange_form: an order the customer has received (one not delivered yet has nothing to exchange, a
/// cancelled one nothing at all), and one of the 6 exchange reasons.
/// </summary>
public sealed class ValidateExchangeFormAction(OrderBook orders) : FormValidationAction
{
    public override string FormName => "exchange_form";

    protected override void Validate(string slot, JsonElement value, ActionEvents output)
    {
        switch (slot)
        {
            case Slot.OrderId:
                if (OrderIdValidation.Validate(Text(value), orders, output) is not { } order) return;
                if (order.Status == OrderStatus.Cancelled)
                    output.Utter(Response.ExchangeNotAllowedCancelled).Set(Slot.OrderId, (string?)null);
                else if (order.Status != OrderStatus.Delivered)
                    output.Utter(Response.ExchangeNotDelivered).Set(Slot.OrderId, (string?)null);
                else
                    output.Set(Slot.OrderId, order.Id);
                return;
            case Slot.ExchangeReason:
                var reason = Text(value)?.Trim();
                output.Set(Slot.ExchangeReason, reason is not null && Slot.ExchangeReasons.Contains(reason) ? reason : null);
                return;
            default:
                output.Set(slot, value);
                return;
        }
    }
}
