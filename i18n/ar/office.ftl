# The office's public page (web/office/), Arabic (right to left).

language-name = العربية
language = اللغة
title = احصل على رقم
loading = جارٍ التحميل…
not-found = هذا المكتب غير موجود.
none = لا توجد خدمة تقبل الأرقام عن بُعد حاليًا. يُرجى أخذ رقم في المكتب.
choose = ما سبب زيارتك؟
notify = أبلغني (اختياري)
notify-hint = نستخدم هذه البيانات فقط لإبلاغك بشأن رقمك ثم نحذفها.
phone = الهاتف المحمول
email = البريد الإلكتروني
take = احصل على رقم
taking = جارٍ الحصول على رقمك…
waiting = في الانتظار: { $n }
range = { $low }–{ $high } د
wait = نحو { $m } د
full = ممتلئ حاليًا
no-desk-open = لا يوجد مكتب مفتوح حاليًا
pick-service = يُرجى اختيار خدمة.
refused = لم يُصدر أي رقم.
busy = أرقام كثيرة جدًا من هذا الجهاز. حاول مرة أخرى بعد قليل.
offline = لا يوجد اتصال. حاول مرة أخرى.
standards-link = معايير خدمتنا وأوقات الانتظار
