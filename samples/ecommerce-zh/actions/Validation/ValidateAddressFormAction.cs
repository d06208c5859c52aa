using System.Text.Json;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Validation;

/// <summary>validate_address_form: an order still waiting to ship, and an address of at least 6 characters.</summary>
public sealed class ValidateAddressFormAction(OrderBook orders) : FormValidationAction
{
    public const int MinAddressLength = 6;

    public override string FormName => "address_form";

    protected override void Validate(string slot, JsonElement value, ActionEvents output)
    {
        switch (slot)
        {
            case Slot.OrderId:
                if (OrderIdValidation.Validate(Text(value), orders, output) is not { } order) return;
                switch (order.Status)
                {
                    case OrderStatus.Shipped:
                        output.Set(Slot.Carrier, order.Carrier).Set(Slot.TrackingNumber, order.TrackingNumber)
                            .Utter(Response.AddressChangeShipped).Set(Slot.OrderId, (string?)null);
                        break;
                    case OrderStatus.Delivered:
                        output.Utter(Response.AddressChangeDelivered).Set(Slot.OrderId, (string?)null);
                        break;
                    case OrderStatus.Cancelled:
                        output.Utter(Response.AddressChangeCancelled).Set(Slot.OrderId, (string?)null);
                        break;
                    default:
                        output.Set(Slot.OrderId, order.Id);
                        break;
                }
                return;
            case Slot.NewAddress:
                var address = Text(value)?.Trim() ?? "";
                if (address.Length < MinAddressLength) output.Utter(Response.AddressInvalid).Set(Slot.NewAddress, (string?)null);
                else output.Set(Slot.NewAddress, address);
                return;
            default:
                output.Set(slot, value);
                return;
        }
    }
}
